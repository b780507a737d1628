import { InvalidRequestError, PermissionDeniedError, requireIdentifier, type Principal } from '@aigw/contracts';
import { bucketMs, bucketOf, isBucketStart, isoSeconds, type Granularity } from '../buckets';
import { DIMENSIONS, type Dimension, type Dimensions } from '../ledger-keys';
import type { UsageQuery } from '../usage-reader';

/** Longest range one request may read, number of buckets: a leap year of days, or 31 days of hours. */
export const MAX_BUCKETS: Readonly<Record<Granularity, number>> = { day: 366, hour: 31 * 24 };

/** Rows per page of `GET /v1/usage`: the default and the most a client may ask for. */
export const PAGE_LIMIT = { default: 100, max: 1_000 } as const;

const FILTERS = DIMENSIONS;
const RANGE_PARAMS = ['from', 'to', 'granularity', 'group_by', ...FILTERS] as const;
const PAGE_PARAMS = ['limit', 'cursor'] as const;

type Query = Record<string, unknown>;

/** The parameters of `GET /v1/usage` (paginated) or `GET /v1/usage/export.csv` (not). */
export interface ParsedUsageRequest {
  query: UsageQuery;
  limit: number;
  cursor?: string;
}

/** Refuses parameters not in `accepted`, so a misspelt filter (`tenant_id=`) never silently widens the answer. */
export function refuseUnknown(query: Query, accepted: readonly string[]): void {
  for (const name of Object.keys(query)) {
    if (!accepted.includes(name)) {
      throw new InvalidRequestError(`Unknown parameter '${name}'. Accepted: ${accepted.join(', ')}.`, name);
    }
  }
}

/** Longest query parameter value, number of characters (a page cursor is the longest there is). */
const MAX_PARAMETER_CHARS = 1024;

/** A parameter given once, not empty and printable, or undefined when absent. */
export function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidRequestError(`Parameter '${name}' must be given once.`, name);
  if (value === '') throw new InvalidRequestError(`Parameter '${name}' must not be empty.`, name);
  return requireIdentifier(value, name, MAX_PARAMETER_CHARS);
}

const DATE = /^(\d{4}-\d{2}-\d{2})$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?(Z|\+00:00)$/;

/**
 * An ISO 8601 UTC date (`2025-02-01`) or date-time (`2025-02-01T08:00:00Z`). A date names the start of
 * that day; `endOfDate` makes a date name the end of that day instead (`to=2025-02-28` includes the 28th).
 */
function parseTime(name: string, value: string, endOfDate: boolean): Date {
  const bad = () =>
    new InvalidRequestError(
      `Parameter '${name}' must be an ISO 8601 UTC date or date-time (2025-02-01 or 2025-02-01T08:00:00Z), got '${value}'.`,
      name,
    );
  const date = DATE.exec(value);
  const dateTime = date ? undefined : DATE_TIME.exec(value);
  const day = date?.[1] ?? dateTime?.[1];
  if (!day) throw bad();
  const midnight = new Date(`${day}T00:00:00.000Z`);
  if (Number.isNaN(midnight.getTime()) || midnight.toISOString().slice(0, 10) !== day) throw bad();
  if (date) return endOfDate ? new Date(midnight.getTime() + 86_400_000) : midnight;
  const [hh, mm, ss] = [dateTime![2], dateTime![3], dateTime![4] ?? '00'].map(Number);
  if (hh > 23 || mm > 59 || ss > 59) throw bad();
  const millis = dateTime![5] ? Number(dateTime![5].slice(1).padEnd(3, '0')) : 0;
  return new Date(midnight.getTime() + ((hh * 60 + mm) * 60 + ss) * 1000 + millis);
}

function parseGranularity(query: Query): Granularity {
  const value = single(query, 'granularity') ?? 'day';
  if (value !== 'hour' && value !== 'day') {
    throw new InvalidRequestError(`Parameter 'granularity' must be 'hour' or 'day', got '${value}'.`, 'granularity');
  }
  return value;
}

/** `group_by=tenant,model`; `none` sums over every dimension. Omitted: all of them. */
function parseGroupBy(query: Query): Dimension[] {
  const value = single(query, 'group_by');
  if (value === undefined) return [...DIMENSIONS];
  if (value === 'none') return [];
  const names = value.split(',');
  for (const name of names) {
    if (!(DIMENSIONS as readonly string[]).includes(name)) {
      throw new InvalidRequestError(
        `Parameter 'group_by' takes a comma-separated list of ${DIMENSIONS.join(', ')} (or 'none'); '${name}' is not one of them.`,
        'group_by',
      );
    }
  }
  if (new Set(names).size !== names.length) throw new InvalidRequestError(`Parameter 'group_by' names a dimension twice.`, 'group_by');
  return DIMENSIONS.filter((d) => names.includes(d));
}

function parseLimit(query: Query): number {
  const value = single(query, 'limit');
  if (value === undefined) return PAGE_LIMIT.default;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= PAGE_LIMIT.max)) {
    throw new InvalidRequestError(`Parameter 'limit' must be an integer from 1 to ${PAGE_LIMIT.max}, got '${value}'.`, 'limit');
  }
  return n;
}

/**
 * Validates the parameters of the usage endpoints. Times are UTC; the range is half-open [from, to) and
 * must cover whole buckets of the granularity. Default: today (UTC), by day.
 */
export function parseUsageRequest(query: Query, now: Date, opts: { paginated: boolean }): ParsedUsageRequest {
  refuseUnknown(query, opts.paginated ? [...RANGE_PARAMS, ...PAGE_PARAMS] : RANGE_PARAMS);
  const granularity = parseGranularity(query);
  const today = new Date(`${bucketOf(now, 'day')}T00:00:00.000Z`);
  const fromText = single(query, 'from');
  const toText = single(query, 'to');
  const from = fromText === undefined ? today : parseTime('from', fromText, false);
  const to = toText === undefined ? new Date(today.getTime() + 86_400_000) : parseTime('to', toText, true);
  for (const [name, at] of [['from', from], ['to', to]] as const) {
    if (!isBucketStart(at, granularity)) {
      throw new InvalidRequestError(
        `Parameter '${name}' (${isoSeconds(at)}) must fall on a${granularity === 'hour' ? 'n hour' : ' day'} boundary for granularity=${granularity}.`,
        name,
      );
    }
  }
  if (from >= to) throw new InvalidRequestError(`Parameter 'from' (${isoSeconds(from)}) must be before 'to' (${isoSeconds(to)}).`, 'from');
  const buckets = (to.getTime() - from.getTime()) / bucketMs(granularity);
  if (buckets > MAX_BUCKETS[granularity]) {
    throw new InvalidRequestError(
      `The range ${isoSeconds(from)} to ${isoSeconds(to)} spans ${buckets} ${granularity}s; at most ${MAX_BUCKETS[granularity]} can be read at once.`,
      'to',
    );
  }
  const filter: Partial<Dimensions> = {};
  for (const d of FILTERS) {
    const value = single(query, d);
    if (value !== undefined) filter[d] = value;
  }
  return {
    query: { granularity, from, to, groupBy: parseGroupBy(query), filter },
    limit: opts.paginated ? parseLimit(query) : Infinity,
    cursor: opts.paginated ? single(query, 'cursor') : undefined,
  };
}

/**
 * Narrows a filter to what the caller may see: `admin` everything, `finance` its tenant, `client` its own
 * key. Asking explicitly for someone else's rows is refused instead of answered with an empty list.
 */
export function scopeToPrincipal(filter: Partial<Dimensions>, principal: Principal): Partial<Dimensions> {
  switch (principal.role) {
    case 'admin':
      return filter;
    case 'finance':
      if (filter.tenant !== undefined && filter.tenant !== principal.tenantId) {
        throw new PermissionDeniedError('A finance key can only read the usage of its own tenant.');
      }
      return { ...filter, tenant: principal.tenantId };
    case 'client':
      if (filter.tenant !== undefined && filter.tenant !== principal.tenantId) {
        throw new PermissionDeniedError('A client key can only read its own usage.');
      }
      if (filter.key !== undefined && filter.key !== principal.keyId) {
        throw new PermissionDeniedError('A client key can only read its own usage.');
      }
      return { ...filter, tenant: principal.tenantId, key: principal.keyId };
  }
}
