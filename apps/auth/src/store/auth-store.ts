import { Redis, ReplyError } from 'ioredis';
import {
  InternalError,
  InvalidApiKeyError,
  InvalidRequestError,
  KeyNotFoundError,
  RateLimitError,
  ServiceUnavailableError,
  TenantNotFoundError,
  type Principal,
} from '@aigw/contracts';
import type { Logger } from '@aigw/telemetry';
import { failureBucket } from '../failure-bucket';
import type { SeedKey } from '../seed-plan';
import {
  CREATE_KEY_SCRIPT,
  CREATE_TENANT_SCRIPT,
  RECORD_FAILURE_SCRIPT,
  REVOKE_KEY_SCRIPT,
  ROTATE_KEY_SCRIPT,
  SEED_KEY_SCRIPT,
  UPDATE_RECORD_SCRIPT,
  VERIFY_SCRIPT,
} from './lua-scripts';
import { keyFromFields, pairsToFields, principalOf, tenantFromFields, toFields, type KeyRecord, type TenantRecord } from './records';
import { RedisKeys } from './redis-keys';

/** Delay before seeding again after a failure on a connection that is still up, number of milliseconds. */
const SEED_RETRY_MS = 1000;
/** How long a rotated-out secret's entry is kept after its grace period, so that a late caller is told why it fails. */
const ROTATED_ENTRY_RETENTION_MS = 24 * 60 * 60 * 1000;

export interface AuthStoreOptions {
  redisUrl: string;
  /** Keys from the config file, (re)stored each time Redis becomes ready: a restarted Redis may have lost them. */
  seed: readonly SeedKey[];
  logger: Logger;
  /**
   * Deadline of one Redis command, number of milliseconds. Keep it below the bus timeout so that a hung
   * Redis reaches the caller as `service_unavailable` from auth rather than as a bus timeout.
   */
  commandTimeoutMs: number;
  /** Failed authentications per client address before it is refused, and the window they count in (ms). */
  failedAuth: { limit: number; windowMs: number };
  /** Told which secrets a seed replaced (the config's secret of a key changed), so that caches can drop them. */
  onSeedReplaced?: (key: SeedKey, replacedHashes: string[]) => void;
}

/** One page of a listing in id order. */
export interface Page<T> {
  items: T[];
  /** Whether ids after the last one exist. */
  hasMore: boolean;
}

export interface PageRequest {
  limit: number;
  /** List ids after this one. */
  after?: string;
}

/** Fields to set on a record and fields to remove from it. */
export interface RecordChange {
  set: Record<string, unknown>;
  unset: string[];
}

/**
 * Keys and tenants in Redis. Keys are looked up by the hash of their secret, so no secret is ever
 * stored or compared here. Fails fast while Redis is unreachable and reconnects forever in the
 * background; after every reconnect it seeds the configured keys again before answering, so that an
 * outage heals by itself and never turns into 401s for valid keys.
 */
export class AuthStore {
  readonly #redis: Redis;
  readonly #opts: AuthStoreOptions;
  readonly #logger: Logger;
  /** Counts connections; a seed only counts for the connection it ran on. */
  #connection = 0;
  #seeded = false;
  #unreachableLogged = false;
  #retryTimer: NodeJS.Timeout | undefined;
  readonly #firstSeed: Promise<void>;
  #resolveFirstSeed!: () => void;

  constructor(opts: AuthStoreOptions) {
    this.#opts = opts;
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
      this.#logger.warn({ err }, 'Redis unreachable; auth answers service_unavailable until it is back');
    });
  }

  /** Resolves once the configured keys have been stored for the first time. */
  get seeded(): Promise<void> {
    return this.#firstSeed;
  }

  /** Whether requests can be answered now. */
  get ready(): boolean {
    return this.#seeded && this.#redis.status === 'ready';
  }

  /**
   * The principal behind a secret's hash. A secret in force is always answered. Unknown, revoked, expired
   * or rotated-out secrets are `InvalidApiKeyError`, each counted against `clientIp` and against the
   * presented key's display prefix when given; once either is over its budget of failures, further failures
   * are refused with `RateLimitError` and no longer counted.
   */
  async verify(keyHash: string, clientIp?: string, presentedPrefix?: string): Promise<Principal> {
    const bucket = clientIp === undefined ? undefined : failureBucket(clientIp);
    const now = Date.now();
    const reply = (await this.#run(() =>
      this.#redis.eval(
        VERIFY_SCRIPT,
        3,
        RedisKeys.secret(keyHash),
        RedisKeys.failures(bucket ?? '-'),
        RedisKeys.prefixFailures(presentedPrefix ?? '-'),
        now,
        this.#opts.failedAuth.limit,
        this.#opts.failedAuth.windowMs,
        bucket === undefined ? '0' : '1',
        RedisKeys.recordPrefix,
        RedisKeys.tenantPrefix,
        presentedPrefix === undefined ? '0' : '1',
      ),
    )) as [string, ...unknown[]];
    const [verdict] = reply;
    if (verdict === 'ok') {
      const [, keyPairs, tenantPairs, notAfter] = reply as [string, string[], string[], string | null];
      const key = keyFromFields(pairsToFields(keyPairs));
      if (!key) throw new InternalError('A key vanished while it was looked up.');
      return principalOf(key, tenantFromFields(pairsToFields(tenantPairs)), notAfter === null ? undefined : Number(notAfter));
    }
    if (verdict === 'blocked') throw tooManyFailures(Number(reply[1]));
    const [, revokedAt, expiresAt, notAfter] = reply as [string, string | null, string | null, string | null];
    const at = (ms: string | null) => new Date(Number(ms)).toISOString();
    if (verdict === 'revoked') throw new InvalidApiKeyError(`This API key was revoked at ${at(revokedAt)}.`);
    if (verdict === 'expired') throw new InvalidApiKeyError(`This API key expired at ${at(expiresAt)}.`);
    if (verdict === 'rotated') throw new InvalidApiKeyError(`This API key was rotated; the old secret stopped working at ${at(notAfter)}.`);
    throw new InvalidApiKeyError();
  }

  /** Counts a failed authentication decided elsewhere (a bad JWT at the edge) against the caller's address. */
  async recordFailure(clientIp: string): Promise<{ blocked: boolean; retryAfterS?: number }> {
    const bucket = failureBucket(clientIp);
    if (bucket === undefined) return { blocked: false };
    const [failures, ttlMs] = (await this.#run(() =>
      this.#redis.eval(RECORD_FAILURE_SCRIPT, 1, RedisKeys.failures(bucket), this.#opts.failedAuth.windowMs),
    )) as [number, number];
    if (failures <= this.#opts.failedAuth.limit) return { blocked: false };
    return { blocked: true, retryAfterS: retryAfterS(ttlMs) };
  }

  async getTenant(tenantId: string): Promise<TenantRecord> {
    const tenant = tenantFromFields(await this.#run(() => this.#redis.hgetall(RedisKeys.tenant(tenantId))));
    if (!tenant) throw new TenantNotFoundError(tenantId);
    return tenant;
  }

  async listTenants(page: PageRequest): Promise<Page<TenantRecord>> {
    return this.#page(RedisKeys.allTenants, page, RedisKeys.tenant, tenantFromFields);
  }

  /** Creates a tenant; `InvalidRequestError` when its id is taken. */
  async createTenant(tenant: TenantRecord): Promise<TenantRecord> {
    const result = await this.#run(() =>
      this.#redis.eval(CREATE_TENANT_SCRIPT, 2, RedisKeys.tenant(tenant.tenantId), RedisKeys.allTenants, tenant.tenantId, ...pairs(toFields(tenant))),
    );
    if (result === 'exists') throw new InvalidRequestError(`A tenant with the id '${tenant.tenantId}' already exists.`, 'tenantId');
    return tenant;
  }

  async updateTenant(tenantId: string, change: RecordChange): Promise<TenantRecord> {
    const tenant = tenantFromFields(await this.#update(RedisKeys.tenant(tenantId), change));
    if (!tenant) throw new TenantNotFoundError(tenantId);
    return tenant;
  }

  async getKey(keyId: string): Promise<KeyRecord> {
    const key = keyFromFields(await this.#run(() => this.#redis.hgetall(RedisKeys.record(keyId))));
    if (!key) throw new KeyNotFoundError(keyId);
    return key;
  }

  /** Keys in id order, all of them or one tenant's. */
  async listKeys(page: PageRequest, tenantId?: string): Promise<Page<KeyRecord>> {
    return this.#page(tenantId === undefined ? RedisKeys.allKeys : RedisKeys.tenantKeys(tenantId), page, RedisKeys.record, keyFromFields);
  }

  /** Stores a new key under the hash of its secret; its tenant must exist. */
  async createKey(key: KeyRecord, keyHash: string): Promise<KeyRecord> {
    const result = await this.#run(() =>
      this.#redis.eval(
        CREATE_KEY_SCRIPT,
        7,
        RedisKeys.tenant(key.tenantId),
        RedisKeys.record(key.keyId),
        RedisKeys.secret(keyHash),
        RedisKeys.currentSecret(key.keyId),
        RedisKeys.secretsOf(key.keyId),
        RedisKeys.allKeys,
        RedisKeys.tenantKeys(key.tenantId),
        key.keyId,
        keyHash,
        ...pairs(toFields(key)),
      ),
    );
    if (result === 'no-tenant') throw new TenantNotFoundError(key.tenantId);
    if (result === 'exists') throw new InternalError(`Key id '${key.keyId}' or its secret is already taken.`);
    return key;
  }

  async updateKey(keyId: string, change: RecordChange): Promise<KeyRecord> {
    const key = keyFromFields(await this.#update(RedisKeys.record(keyId), change));
    if (!key) throw new KeyNotFoundError(keyId);
    return key;
  }

  /** Hashes of every secret of a key that may still be presented (the current one and those in a grace period). */
  async secretHashes(keyId: string): Promise<string[]> {
    return this.#run(() => this.#redis.smembers(RedisKeys.secretsOf(keyId)));
  }

  /** Revokes a key; returns it and the hashes of every secret it had, for the caches to drop. */
  async revokeKey(keyId: string, now: number): Promise<{ key: KeyRecord; keyHashes: string[] }> {
    const [status, ...keyHashes] = (await this.#run(() =>
      this.#redis.eval(REVOKE_KEY_SCRIPT, 2, RedisKeys.record(keyId), RedisKeys.secretsOf(keyId), now),
    )) as string[];
    if (status === 'missing') throw new KeyNotFoundError(keyId);
    return { key: await this.getKey(keyId), keyHashes };
  }

  /**
   * Gives a key a new secret (by its hash). The secret it had keeps working until `graceEnd` (ms; not
   * after `now`: stops at once). Returns the key and the hashes of the secrets it had.
   */
  async rotateKey(
    keyId: string,
    secret: { keyHash: string; keyPrefix: string },
    now: number,
    graceEnd: number,
  ): Promise<{ key: KeyRecord; previousHashes: string[] }> {
    const [status, ...previousHashes] = (await this.#run(() =>
      this.#redis.eval(
        ROTATE_KEY_SCRIPT,
        4,
        RedisKeys.record(keyId),
        RedisKeys.currentSecret(keyId),
        RedisKeys.secretsOf(keyId),
        RedisKeys.secret(secret.keyHash),
        keyId,
        secret.keyHash,
        secret.keyPrefix,
        now,
        graceEnd,
        RedisKeys.secretPrefix,
        ROTATED_ENTRY_RETENTION_MS,
      ),
    )) as string[];
    if (status === 'missing') throw new KeyNotFoundError(keyId);
    if (status === 'revoked') throw new InvalidRequestError(`The key '${keyId}' is revoked; a revoked key cannot be rotated.`);
    return { key: await this.getKey(keyId), previousHashes };
  }

  async close(): Promise<void> {
    clearTimeout(this.#retryTimer);
    if (this.#redis.status === 'ready') {
      await this.#redis.quit().catch(() => this.#redis.disconnect());
    } else {
      this.#redis.disconnect();
    }
  }

  async #update(recordKey: string, change: RecordChange): Promise<Record<string, string>> {
    const set = pairs(toFields(change.set));
    const result = (await this.#run(() =>
      this.#redis.eval(UPDATE_RECORD_SCRIPT, 1, recordKey, set.length / 2, ...set, ...change.unset),
    )) as string[];
    return pairsToFields(result);
  }

  async #page<T>(
    index: string,
    page: PageRequest,
    recordKey: (id: string) => string,
    decode: (fields: Record<string, string>) => T | undefined,
  ): Promise<Page<T>> {
    const ids = await this.#run(() =>
      this.#redis.zrangebylex(index, page.after === undefined ? '-' : `(${page.after}`, '+', 'LIMIT', 0, page.limit + 1),
    );
    const wanted = ids.slice(0, page.limit);
    const pipeline = this.#redis.pipeline();
    for (const id of wanted) pipeline.hgetall(recordKey(id));
    const replies = wanted.length ? ((await this.#run(() => pipeline.exec())) ?? []) : [];
    const items: T[] = [];
    for (const [err, fields] of replies) {
      if (err) throw unreachable(err);
      const item = decode(fields as Record<string, string>);
      if (item !== undefined) items.push(item);
    }
    return { items, hasMore: ids.length > page.limit };
  }

  /** Runs Redis commands, turning an unreachable or failing Redis into `service_unavailable`. */
  async #run<T>(command: () => Promise<T>): Promise<T> {
    if (!this.ready) throw unreachable();
    try {
      return await command();
    } catch (err) {
      // Redis answered, but refused: a bug in a script or a command, not an outage.
      if (err instanceof ReplyError) throw new InternalError('Redis refused a command of the auth store.', { cause: err });
      throw unreachable(err);
    }
  }

  async #seed(connection: number): Promise<void> {
    try {
      const now = Date.now();
      const replaced = await Promise.all(
        this.#opts.seed.map(
          (k) =>
            this.#redis.eval(
              SEED_KEY_SCRIPT,
              8,
              RedisKeys.currentSecret(k.keyId),
              RedisKeys.record(k.keyId),
              RedisKeys.secretsOf(k.keyId),
              RedisKeys.allKeys,
              RedisKeys.tenantKeys(k.tenantId),
              RedisKeys.tenant(k.tenantId),
              RedisKeys.allTenants,
              RedisKeys.secret(k.keyHash),
              k.keyId,
              k.keyHash,
              RedisKeys.secretPrefix,
              now,
              k.tenantId,
              k.role,
              k.keyPrefix,
              JSON.stringify(k.limits),
              RedisKeys.tenantKeysPrefix,
            ) as Promise<string[]>,
        ),
      );
      this.#opts.seed.forEach((k, i) => {
        if (replaced[i]!.length > 0) this.#opts.onSeedReplaced?.(k, replaced[i]!);
      });
    } catch (err) {
      if (connection !== this.#connection || this.#redis.status !== 'ready') return;
      this.#logger.error({ err }, 'seeding keys failed; retrying');
      this.#retryTimer = setTimeout(() => void this.#seed(connection), SEED_RETRY_MS);
      return;
    }
    if (connection !== this.#connection) return;
    this.#seeded = true;
    this.#logger.info({ keyIds: this.#opts.seed.map((k) => k.keyId) }, 'keys seeded');
    this.#resolveFirstSeed();
  }
}

function pairs(fields: Record<string, string>): string[] {
  return Object.entries(fields).flat();
}

function retryAfterS(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs / 1000));
}

function tooManyFailures(ttlMs: number): RateLimitError {
  const wait = retryAfterS(ttlMs);
  return new RateLimitError(`Too many failed authentication attempts from this address; try again in ${wait} s.`, wait);
}

function unreachable(cause?: unknown): ServiceUnavailableError {
  return new ServiceUnavailableError('auth', 'The auth service cannot reach its key store.', { cause });
}
