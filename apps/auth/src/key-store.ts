import { Redis } from 'ioredis';
import { InvalidApiKeyError, ServiceUnavailableError, type Principal } from '@aigw/contracts';
import type { Logger } from '@aigw/telemetry';
import { KEY_HASH_PREFIX, KEY_ID_PREFIX, principalFromFields, type KeyRecord } from './key-records';

/**
 * Stores one key atomically, so that replicas seeding at the same time never leave a stale hash behind or
 * an index pointing at nothing. KEYS[1] = the key id's index, KEYS[2] = the new principal hash;
 * ARGV[1] = the new key hash, ARGV[2] = the prefix of principal hashes, ARGV[3..] = field/value pairs.
 * The old hash is named by the index, so it cannot be declared up front: fine on a single Redis, not on a
 * cluster.
 */
const SEED_KEY_SCRIPT = `
local previous = redis.call('GET', KEYS[1])
if previous and previous ~= ARGV[1] then
  redis.call('DEL', ARGV[2] .. previous)
end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], unpack(ARGV, 3))
redis.call('SET', KEYS[1], ARGV[1])
return 1
`;

/** Delay before seeding again after a failure on a connection that is still up, number of milliseconds. */
const SEED_RETRY_MS = 1000;

export interface KeyStoreOptions {
  redisUrl: string;
  /** Keys to (re)store each time Redis becomes ready: a restarted Redis may have lost them. */
  records: readonly KeyRecord[];
  logger: Logger;
  /**
   * Deadline of one Redis command, number of milliseconds. Keep it below the bus timeout so that a hung
   * Redis reaches the caller as `service_unavailable` from auth rather than as a bus timeout.
   */
  commandTimeoutMs: number;
}

/**
 * Gateway keys in Redis, looked up by the hash of the secret. Fails fast while Redis is unreachable and
 * reconnects forever in the background; after every reconnect it seeds the configured keys again before
 * answering, so that an outage heals by itself and never turns into 401s for valid keys.
 */
export class KeyStore {
  readonly #redis: Redis;
  readonly #records: readonly KeyRecord[];
  readonly #logger: Logger;
  /** Counts connections; a seed only counts for the connection it ran on. */
  #connection = 0;
  #seeded = false;
  #unreachableLogged = false;
  #retryTimer: NodeJS.Timeout | undefined;
  readonly #firstSeed: Promise<void>;
  #resolveFirstSeed!: () => void;

  constructor(opts: KeyStoreOptions) {
    this.#records = opts.records;
    this.#logger = opts.logger;
    this.#firstSeed = new Promise((resolve) => (this.#resolveFirstSeed = resolve));
    this.#redis = new Redis(opts.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 1000,
      commandTimeout: opts.commandTimeoutMs,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    });
    this.#redis.on('ready', () => {
      this.#unreachableLogged = false;
      this.#logger.info('connected to Redis');
      void this.#seed(++this.#connection);
    });
    this.#redis.on('close', () => {
      this.#seeded = false;
      clearTimeout(this.#retryTimer);
    });
    this.#redis.on('error', (err) => {
      if (this.#unreachableLogged) return;
      this.#unreachableLogged = true;
      this.#logger.warn({ err }, 'Redis unreachable; key lookups fail until it is back');
    });
  }

  /** Resolves once the configured keys have been stored for the first time. */
  get seeded(): Promise<void> {
    return this.#firstSeed;
  }

  /** Whether lookups can be answered now. */
  get ready(): boolean {
    return this.#seeded && this.#redis.status === 'ready';
  }

  /** The principal behind a key hash, `InvalidApiKeyError` for an unknown one, `ServiceUnavailableError` without Redis. */
  async lookup(keyHash: string): Promise<Principal> {
    if (!this.ready) throw unreachable();
    let fields: Record<string, string>;
    try {
      fields = await this.#redis.hgetall(KEY_HASH_PREFIX + keyHash);
    } catch (err) {
      throw unreachable(err);
    }
    const principal = principalFromFields(fields);
    if (!principal) throw new InvalidApiKeyError();
    return principal;
  }

  async close(): Promise<void> {
    clearTimeout(this.#retryTimer);
    if (this.#redis.status === 'ready') {
      await this.#redis.quit().catch(() => this.#redis.disconnect());
    } else {
      this.#redis.disconnect();
    }
  }

  async #seed(connection: number): Promise<void> {
    try {
      await Promise.all(
        this.#records.map((r) =>
          this.#redis.eval(
            SEED_KEY_SCRIPT,
            2,
            KEY_ID_PREFIX + r.keyId,
            KEY_HASH_PREFIX + r.keyHash,
            r.keyHash,
            KEY_HASH_PREFIX,
            ...Object.entries(r.fields).flat(),
          ),
        ),
      );
    } catch (err) {
      if (connection !== this.#connection || this.#redis.status !== 'ready') return;
      this.#logger.error({ err }, 'seeding keys failed; retrying');
      this.#retryTimer = setTimeout(() => void this.#seed(connection), SEED_RETRY_MS);
      return;
    }
    if (connection !== this.#connection) return;
    this.#seeded = true;
    this.#logger.info({ keyIds: this.#records.map((r) => r.keyId) }, 'keys seeded');
    this.#resolveFirstSeed();
  }
}

function unreachable(cause?: unknown): ServiceUnavailableError {
  return new ServiceUnavailableError('auth', 'The auth service cannot reach its key store.', { cause });
}
