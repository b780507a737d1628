/**
 * The usage ledger in Redis: aggregates written exactly once per event, and the reads behind the API.
 *
 * Layout (all keys under `metering:v1:`):
 *
 *   metering:v1:event:<event id>                    STRING "1", expires after `dedupeTtlS`
 *       Marks an event as counted. Written by the same script that increments the aggregates, so a
 *       redelivered or republished event is recognised and never counted twice.
 *   metering:v1:day:<YYYY-MM-DD>                    SET of `<tenant>:<key>:<model>`
 *       Index of the dimension tuples that have usage on that UTC day; a read over a date range touches
 *       one set per day instead of scanning the keyspace.
 *   metering:v1:usage:<YYYY-MM-DD>:<tenant>:<key>:<model>   HASH of counters (see `COUNTERS`)
 *       The aggregates of one UTC day (taken from the event's `ts`) for one tenant, key and model.
 *
 * Dimension values are escaped (`%` → `%25`, `:` → `%3A`) so that a value holding the separator can
 * neither split into extra fields nor collide with another tuple.
 *
 * Aggregates never expire: they are the billing record. Only the event markers do, so exactly-once holds
 * for an event seen again within `dedupeTtlS`; JetStream redelivers unacknowledged messages long before
 * that, and the stream's own duplicate window catches republished ones. Recreating the durable consumer
 * from scratch would replay the whole stream (kept 30 days) and count again whatever is older than the
 * marker TTL, so the consumer is only ever created once and then updated in place.
 *
 * The script touches keys of different hash slots, so it needs a single Redis (or replicas of one), not
 * a Redis Cluster.
 */
import type { Redis } from 'ioredis';
import { ServiceUnavailableError, type UsageRecorded } from '@aigw/contracts';

const PREFIX = 'metering:v1:';

/** Counters kept per day and dimension tuple, as they appear in the API. */
export const COUNTERS = [
  'requests',
  'errors',
  'prompt_tokens',
  'completion_tokens',
  'cached_tokens',
  'total_tokens',
  'streamed_requests',
] as const;
export type Counter = (typeof COUNTERS)[number];
export type Counters = Record<Counter, number>;

/** One aggregate row: a UTC day, the dimensions, and their counters. */
export interface UsageRow extends Counters {
  /** UTC day, `YYYY-MM-DD`. */
  date: string;
  tenant_id: string;
  key_id: string;
  model: string;
}

/** What to read: an inclusive range of UTC days, optionally narrowed to one tenant, key or model. */
export interface UsageFilter {
  from: string;
  to: string;
  tenant?: string;
  key?: string;
  model?: string;
}

export type RecordOutcome = 'counted' | 'duplicate';

/**
 * KEYS: event marker, day index, aggregate hash. ARGV: marker TTL (s), index member, then one increment
 * per entry of `COUNTERS`, in that order. Returns 1 when counted, 0 for an event already counted.
 */
const RECORD_SCRIPT = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return 0
end
redis.call('SADD', KEYS[2], ARGV[2])
${COUNTERS.map((name, i) => `redis.call('HINCRBY', KEYS[3], '${name}', ARGV[${i + 3}])`).join('\n')}
return 1
`;

interface LedgerCommands {
  meteringRecord(marker: string, dayIndex: string, aggregate: string, ...args: (string | number)[]): Promise<number>;
}

/** Escapes a dimension value so that it never contains the `:` separator. */
export function escapeDim(value: string): string {
  return value.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'));
}

export function unescapeDim(value: string): string {
  return value.replace(/%(25|3A)/g, (_, hex: string) => (hex === '25' ? '%' : ':'));
}

/** The UTC days from `from` to `to` inclusive, both `YYYY-MM-DD`. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

/** The counter increments one event contributes. */
export function countersOf(event: UsageRecorded): Counters {
  return {
    requests: 1,
    errors: event.status >= 400 || event.incomplete ? 1 : 0,
    prompt_tokens: event.promptTokens,
    completion_tokens: event.completionTokens,
    cached_tokens: event.cachedTokens,
    total_tokens: event.promptTokens + event.completionTokens,
    streamed_requests: event.stream ? 1 : 0,
  };
}

export function emptyCounters(): Counters {
  return Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Counters;
}

export class Ledger {
  readonly #redis: Redis & LedgerCommands;
  readonly #dedupeTtlS: number;

  constructor(redis: Redis, opts: { dedupeTtlS: number }) {
    redis.defineCommand('meteringRecord', { numberOfKeys: 3, lua: RECORD_SCRIPT });
    this.#redis = redis as Redis & LedgerCommands;
    this.#dedupeTtlS = opts.dedupeTtlS;
  }

  /** Counts one event unless it was counted before. Redis failures propagate: the caller retries later. */
  async record(event: UsageRecorded): Promise<RecordOutcome> {
    const day = new Date(event.ts).toISOString().slice(0, 10);
    const member = [event.tenantId, event.keyId, event.model].map(escapeDim).join(':');
    const counters = countersOf(event);
    const counted = await this.#redis.meteringRecord(
      `${PREFIX}event:${event.id}`,
      `${PREFIX}day:${day}`,
      `${PREFIX}usage:${day}:${member}`,
      this.#dedupeTtlS,
      member,
      ...COUNTERS.map((c) => counters[c]),
    );
    return counted === 1 ? 'counted' : 'duplicate';
  }

  /** The rows matching `filter`, sorted by date, tenant, key and model. */
  async read(filter: UsageFilter): Promise<UsageRow[]> {
    try {
      return await this.#read(filter);
    } catch (err) {
      throw new ServiceUnavailableError('redis', 'The usage store (Redis) is not available.', { cause: err });
    }
  }

  async #read(filter: UsageFilter): Promise<UsageRow[]> {
    const days = daysBetween(filter.from, filter.to);
    const indexes = await execPipeline<string[]>(this.#redis.pipeline(days.map((d) => ['smembers', `${PREFIX}day:${d}`])));
    const wanted: { date: string; member: string; tenant: string; key: string; model: string }[] = [];
    days.forEach((date, i) => {
      for (const member of indexes[i]) {
        const [tenant, key, model] = member.split(':').map(unescapeDim);
        if (filter.tenant !== undefined && tenant !== filter.tenant) continue;
        if (filter.key !== undefined && key !== filter.key) continue;
        if (filter.model !== undefined && model !== filter.model) continue;
        wanted.push({ date, member, tenant, key, model });
      }
    });
    if (wanted.length === 0) return [];
    const hashes = await execPipeline<Record<string, string>>(
      this.#redis.pipeline(wanted.map((w) => ['hgetall', `${PREFIX}usage:${w.date}:${w.member}`])),
    );
    const rows = wanted.map((w, i): UsageRow => {
      const row: UsageRow = { date: w.date, tenant_id: w.tenant, key_id: w.key, model: w.model, ...emptyCounters() };
      for (const c of COUNTERS) row[c] = Number(hashes[i][c] ?? 0);
      return row;
    });
    return rows.sort(
      (a, b) =>
        compare(a.date, b.date) || compare(a.tenant_id, b.tenant_id) || compare(a.key_id, b.key_id) || compare(a.model, b.model),
    );
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Runs a pipeline and returns its replies, failing on the first command error. */
async function execPipeline<T>(pipeline: ReturnType<Redis['pipeline']>): Promise<T[]> {
  const results = (await pipeline.exec()) ?? [];
  return results.map(([err, value]) => {
    if (err) throw err;
    return value as T;
  });
}
