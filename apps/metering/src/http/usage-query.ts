import { InvalidRequestError, PermissionDeniedError, type Principal } from '@aigw/contracts';
import type { UsageFilter } from '../ledger';

/** Longest date range one request may read, number of days (a leap year). */
export const MAX_RANGE_DAYS = 366;

const PARAMS = ['from', 'to', 'tenant', 'key', 'model'] as const;
type Param = (typeof PARAMS)[number];

/** Today's UTC date, `YYYY-MM-DD`. */
export function utcToday(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const t = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === value;
}

function single(query: Record<string, unknown>, name: Param): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidRequestError(`Parameter '${name}' must be given once.`, name);
  if (value === '') throw new InvalidRequestError(`Parameter '${name}' must not be empty.`, name);
  return value;
}

/**
 * Validates the query of `GET /v1/usage`. Unknown parameters are refused rather than ignored, so a
 * misspelt filter (`tenant_id=`) never silently widens the answer.
 */
export function parseUsageQuery(query: Record<string, unknown>, today: string): UsageFilter {
  for (const name of Object.keys(query)) {
    if (!(PARAMS as readonly string[]).includes(name)) {
      throw new InvalidRequestError(`Unknown parameter '${name}'. Accepted: ${PARAMS.join(', ')}.`, name);
    }
  }
  const from = single(query, 'from') ?? today;
  const to = single(query, 'to') ?? today;
  for (const [name, value] of [['from', from], ['to', to]] as const) {
    if (!isCalendarDate(value)) {
      throw new InvalidRequestError(`Parameter '${name}' must be a date as YYYY-MM-DD, got '${value}'.`, name);
    }
  }
  if (from > to) throw new InvalidRequestError(`Parameter 'from' (${from}) is after 'to' (${to}).`, 'from');
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
  if (days > MAX_RANGE_DAYS) {
    throw new InvalidRequestError(`The range from ${from} to ${to} is longer than ${MAX_RANGE_DAYS} days.`, 'to');
  }
  return { from, to, tenant: single(query, 'tenant'), key: single(query, 'key'), model: single(query, 'model') };
}

/**
 * Narrows a filter to what the caller may see: `admin` everything, `finance` its tenant, `client` its own
 * key. Asking explicitly for someone else's rows is refused instead of answered with an empty list.
 */
export function scopeToPrincipal(filter: UsageFilter, principal: Principal): UsageFilter {
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
