/**
 * The usage ledger in Redis: every event counted exactly once into hour and day aggregates per tenant,
 * key, model alias and provider, plus per-tenant and per-key spend per day and month. Key layout: see
 * `LedgerKeys`.
 *
 * Exactly once: one Lua script sets the event's marker (`SET NX EX`) and, only if it was new, increments
 * every aggregate, so a redelivered or republished event is recognised and never counted twice, and a
 * crash can never leave an event half counted. Aggregates never expire: they are the billing record. Only
 * the markers do, so exactly-once holds for an event seen again within the dedupe TTL; JetStream
 * redelivers unacknowledged messages long before that, and the stream's duplicate window catches
 * republished ones.
 *
 * The script touches keys of different hash slots, so it needs a single Redis (or replicas of one), not
 * a Redis Cluster.
 */
import type { Redis } from 'ioredis';
import { ServiceUnavailableError, type UsageRecorded } from '@aigw/contracts';
import type { PriceTable } from '@aigw/pricing';
import { bucketOf, type Granularity, type SpendPeriod } from './buckets';
import { COUNTERS, countersOf, emptyCounters, SPEND_COUNTERS, type Counters, type SpendCounter } from './event-counters';
import { encodeMember, LedgerKeys, LIVE_PREFIX } from './ledger-keys';

export type RecordOutcome = 'counted' | 'duplicate';

const luaList = (names: readonly string[]) => `{${names.map((n) => `'${n}'`).join(', ')}}`;

/**
 * KEYS: marker, hour index, day index, hour usage, day usage, tenant day spend, tenant month spend, key
 * day spend, key month spend, tenants of the month. ARGV: marker TTL (s), index member, tenant, then one
 * increment per entry of `COUNTERS`, in that order. Returns 1 when counted, 0 for an event counted before.
 */
const RECORD_SCRIPT = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return 0
end
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('SADD', KEYS[10], ARGV[3])
local counters = ${luaList(COUNTERS)}
local spend = {}
for _, name in ipairs(${luaList(SPEND_COUNTERS)}) do spend[name] = true end
for i, name in ipairs(counters) do
  local n = ARGV[i + 3]
  if n ~= '0' then
    redis.call('HINCRBY', KEYS[4], name, n)
    redis.call('HINCRBY', KEYS[5], name, n)
    if spend[name] then
      for k = 6, 9 do redis.call('HINCRBY', KEYS[k], name, n) end
    end
  end
end
return 1
`;

interface LedgerCommands {
  meteringRecord(...keysAndArgs: (string | number)[]): Promise<number>;
}

/** Hashes read per pipeline, so that one huge read never holds a giant reply in memory at once. */
const READ_BATCH = 1_000;

export interface LedgerOptions {
  /** How long an event id is remembered as counted, number of seconds. */
  dedupeTtlS: number;
  prices: PriceTable;
  /** Key prefix; the live ledger's unless given (`rebuild` writes to a scratch one). */
  prefix?: string;
}

export class Ledger {
  readonly keys: LedgerKeys;
  readonly #redis: Redis & LedgerCommands;
  readonly #dedupeTtlS: number;
  readonly #prices: PriceTable;

  constructor(redis: Redis, opts: LedgerOptions) {
    redis.defineCommand('meteringRecord', { numberOfKeys: 10, lua: RECORD_SCRIPT });
    this.#redis = redis as Redis & LedgerCommands;
    this.#dedupeTtlS = opts.dedupeTtlS;
    this.#prices = opts.prices;
    this.keys = new LedgerKeys(opts.prefix ?? LIVE_PREFIX);
  }

  /** The price table's currency: the unit of every `cost_micros`. */
  get currency(): string {
    return this.#prices.currency;
  }

  /** Counts one event unless it was counted before. Redis failures propagate: the caller retries later. */
  async record(event: UsageRecorded): Promise<RecordOutcome> {
    const at = new Date(event.ts);
    const [hour, day, month] = [bucketOf(at, 'hour'), bucketOf(at, 'day'), bucketOf(at, 'month')];
    const member = encodeMember({ tenant: event.tenantId, key: event.keyId, model: event.model, provider: event.provider });
    const counters = countersOf(event, this.#prices);
    const k = this.keys;
    const counted = await this.#redis.meteringRecord(
      k.marker(event.id),
      k.index('hour', hour),
      k.index('day', day),
      k.usage('hour', hour, member),
      k.usage('day', day, member),
      k.tenantSpend('day', day, event.tenantId),
      k.tenantSpend('month', month, event.tenantId),
      k.keySpend('day', day, event.tenantId, event.keyId),
      k.keySpend('month', month, event.tenantId, event.keyId),
      k.tenantsOfMonth(month),
      this.#dedupeTtlS,
      member,
      event.tenantId,
      ...COUNTERS.map((c) => counters[c]),
    );
    return counted === 1 ? 'counted' : 'duplicate';
  }

  /** The members of each bucket's index, in the order of `buckets`. */
  indexes(granularity: Granularity, buckets: string[]): Promise<string[][]> {
    return this.#read(() =>
      execPipeline<string[]>(this.#redis.pipeline(buckets.map((b) => ['smembers', this.keys.index(granularity, b)]))),
    );
  }

  /** The counters of each (bucket, member), in the order asked. */
  usage(granularity: Granularity, cells: { bucket: string; member: string }[]): Promise<Counters[]> {
    return this.#readHashes(cells.map((c) => this.keys.usage(granularity, c.bucket, c.member)));
  }

  /** Tenants with usage in a month (`YYYY-MM`), sorted. */
  tenantsOfMonth(month: string): Promise<string[]> {
    return this.#read(async () => (await this.#redis.smembers(this.keys.tenantsOfMonth(month))).sort());
  }

  /** Spend of tenants in a period bucket, in the order asked. */
  tenantSpend(period: SpendPeriod, bucket: string, tenants: string[]): Promise<Pick<Counters, SpendCounter>[]> {
    return this.#readHashes(tenants.map((t) => this.keys.tenantSpend(period, bucket, t)));
  }

  /** Spend of one key in a period bucket. */
  async keySpend(period: SpendPeriod, bucket: string, tenant: string, key: string): Promise<Pick<Counters, SpendCounter>> {
    const [spend] = await this.#readHashes([this.keys.keySpend(period, bucket, tenant, key)]);
    return spend;
  }

  async #readHashes(keys: string[]): Promise<Counters[]> {
    return this.#read(async () => {
      const out: Counters[] = [];
      for (let i = 0; i < keys.length; i += READ_BATCH) {
        const batch = keys.slice(i, i + READ_BATCH);
        const hashes = await execPipeline<Record<string, string>>(this.#redis.pipeline(batch.map((k) => ['hgetall', k])));
        for (const h of hashes) out.push(countersFromHash(h));
      }
      return out;
    });
  }

  async #read<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new ServiceUnavailableError('redis', 'The usage store (Redis) is not available.', { cause: err });
    }
  }
}

/** Counters from a stored hash; fields never incremented are 0. */
export function countersFromHash(hash: Record<string, string>): Counters {
  const counters = emptyCounters();
  for (const c of COUNTERS) if (hash[c] !== undefined) counters[c] = Number(hash[c]);
  return counters;
}

/** Runs a pipeline and returns its replies, failing on the first command error. */
export async function execPipeline<T>(pipeline: ReturnType<Redis['pipeline']>): Promise<T[]> {
  const results = (await pipeline.exec()) ?? [];
  return results.map(([err, value]) => {
    if (err) throw err;
    return value as T;
  });
}
