/**
 * The usage ledger in Redis: every event counted exactly once into hour and day aggregates per tenant,
 * key, model alias and provider, plus per-tenant and per-key spend per day and month. Key layout: see
 * `LedgerKeys`.
 *
 * Exactly once: one Lua script sets each event's marker (`SET NX EX`) and, only for the events whose
 * marker was new, increments every aggregate, so a redelivered or republished event is recognised and
 * never counted twice, and a crash can never leave an event half counted. Aggregates never expire: they
 * are the billing record. Only the markers do, so exactly-once holds for an event seen again within the
 * dedupe TTL; JetStream redelivers unacknowledged messages long before that, and a republished event (one
 * the proxy spooled through an outage) comes back within it.
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

/** Keys of one group (events of one hour and one dimension tuple), in this order in KEYS. */
const GROUP_KEYS = 9;

/**
 * Counts a batch of events, each once. KEYS: per group, its hour index, day index, hour usage, day usage,
 * tenant day spend, tenant month spend, key day spend, key month spend and tenants of the month; then one
 * marker per event. ARGV: marker TTL (s), number of groups, per group its index member and tenant, then per
 * event its group (1-based) and one increment per entry of `COUNTERS`, in that order. An event whose
 * marker is new adds its increments to its group's sums; each group's sums are then added once. Returns
 * per event 1 when counted, 0 for an event counted before (in this batch too).
 */
const RECORD_SCRIPT = `
local ttl = ARGV[1]
local groups = tonumber(ARGV[2])
local counters = ${luaList(COUNTERS)}
local width = #counters
local spend = {}
for _, name in ipairs(${luaList(SPEND_COUNTERS)}) do spend[name] = true end
local firstMarker = groups * ${GROUP_KEYS}
-- Redis keeps the writes a failing script made, so a key of the wrong type must stop it before the first
-- one: failing after the markers would leave their events marked and never counted.
for key = 1, firstMarker do
  local slot = (key - 1) % ${GROUP_KEYS} + 1
  local want = (slot == 1 or slot == 2 or slot == ${GROUP_KEYS}) and 'set' or 'hash'
  local found = redis.call('TYPE', KEYS[key]).ok
  if found ~= 'none' and found ~= want then
    return redis.error_reply('WRONGTYPE ledger key ' .. KEYS[key] .. ' holds a ' .. found .. ', not a ' .. want)
  end
end
local sums = {}
local outcomes = {}
local a = 3 + 2 * groups
for e = 1, #KEYS - firstMarker do
  local g = tonumber(ARGV[a])
  if redis.call('SET', KEYS[firstMarker + e], '1', 'NX', 'EX', ttl) then
    outcomes[e] = 1
    local sum = sums[g]
    if not sum then
      sum = {}
      for i = 1, width do sum[i] = 0 end
      sums[g] = sum
    end
    for i = 1, width do sum[i] = sum[i] + tonumber(ARGV[a + i]) end
  else
    outcomes[e] = 0
  end
  a = a + 1 + width
end
for g, sum in pairs(sums) do
  local k = (g - 1) * ${GROUP_KEYS}
  local member, tenant = ARGV[1 + 2 * g], ARGV[2 + 2 * g]
  redis.call('SADD', KEYS[k + 1], member)
  redis.call('SADD', KEYS[k + 2], member)
  redis.call('SADD', KEYS[k + 9], tenant)
  for i, name in ipairs(counters) do
    if sum[i] ~= 0 then
      redis.call('HINCRBY', KEYS[k + 3], name, sum[i])
      redis.call('HINCRBY', KEYS[k + 4], name, sum[i])
      if spend[name] then
        for j = 5, 8 do redis.call('HINCRBY', KEYS[k + j], name, sum[i]) end
      end
    end
  end
end
return outcomes
`;

interface LedgerCommands {
  meteringRecord(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number[]>;
}

/** An event waiting for the script call that counts it. */
interface Queued {
  event: UsageRecorded;
  at: Date;
  member: string;
  counters: Counters;
  settle: { resolve: (outcome: RecordOutcome) => void; reject: (err: unknown) => void };
}

/** Events counted in one script call at most, so that a large batch does not hold Redis for long. */
const MAX_SCRIPT_EVENTS = 256;

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
  #queue: Queued[] = [];

  constructor(redis: Redis, opts: LedgerOptions) {
    redis.defineCommand('meteringRecord', { lua: RECORD_SCRIPT });
    this.#redis = redis as Redis & LedgerCommands;
    this.#dedupeTtlS = opts.dedupeTtlS;
    this.#prices = opts.prices;
    this.keys = new LedgerKeys(opts.prefix ?? LIVE_PREFIX);
  }

  /** The price table's currency: the unit of every `cost_micros`. */
  get currency(): string {
    return this.#prices.currency;
  }

  /**
   * Counts one event unless it was counted before. Redis failures propagate: the caller retries later.
   * The events recorded in one synchronous run (a pull batch of the consumer) are counted by one script
   * call, which adds each group's sums once instead of every event's increments one by one.
   */
  record(event: UsageRecorded): Promise<RecordOutcome> {
    return new Promise((resolve, reject) => {
      const member = encodeMember({ tenant: event.tenantId, key: event.keyId, model: event.model, provider: event.provider });
      const queued: Queued = { event, at: new Date(event.ts), member, counters: countersOf(event, this.#prices), settle: { resolve, reject } };
      if (this.#queue.push(queued) === 1) queueMicrotask(() => this.#flush());
    });
  }

  #flush(): void {
    const queued = this.#queue;
    this.#queue = [];
    for (let i = 0; i < queued.length; i += MAX_SCRIPT_EVENTS) void this.#count(queued.slice(i, i + MAX_SCRIPT_EVENTS));
  }

  async #count(events: Queued[]): Promise<void> {
    const k = this.keys;
    const groupKeys: string[] = [];
    const groupArgs: string[] = [];
    const markers: string[] = [];
    const eventArgs: (string | number)[] = [];
    const groups = new Map<string, number>();
    for (const q of events) {
      const hour = bucketOf(q.at, 'hour');
      const group = `${hour}|${q.member}`;
      let g = groups.get(group);
      if (g === undefined) {
        g = groups.size + 1;
        groups.set(group, g);
        const [day, month] = [bucketOf(q.at, 'day'), bucketOf(q.at, 'month')];
        const { tenantId, keyId } = q.event;
        groupKeys.push(
          k.index('hour', hour),
          k.index('day', day),
          k.usage('hour', hour, q.member),
          k.usage('day', day, q.member),
          k.tenantSpend('day', day, tenantId),
          k.tenantSpend('month', month, tenantId),
          k.keySpend('day', day, tenantId, keyId),
          k.keySpend('month', month, tenantId, keyId),
          k.tenantsOfMonth(month),
        );
        groupArgs.push(q.member, tenantId);
      }
      markers.push(k.marker(q.event.id));
      eventArgs.push(g);
      for (const c of COUNTERS) eventArgs.push(q.counters[c]);
    }
    try {
      const outcomes = await this.#redis.meteringRecord(
        groupKeys.length + markers.length,
        ...groupKeys,
        ...markers,
        this.#dedupeTtlS,
        groups.size,
        ...groupArgs,
        ...eventArgs,
      );
      events.forEach((q, i) => q.settle.resolve(outcomes[i] === 1 ? 'counted' : 'duplicate'));
    } catch (err) {
      for (const q of events) q.settle.reject(err);
    }
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
