import { GatewayError, type Principal } from '@aigw/contracts';
import { parseUsageRequest, scopeToPrincipal } from './usage-query';

const NOW = new Date('2025-06-15T13:45:00Z');

function failure(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('expected a GatewayError');
}

const principal = (role: Principal['role']): Principal => ({
  keyId: 'key_a',
  tenantId: 'tenant_a',
  role,
  keyPrefix: 'sk-aigw...abcd',
  limits: {},
});

const parse = (query: Record<string, unknown>, paginated = true) => parseUsageRequest(query, NOW, { paginated });

describe('usage query parsing', () => {
  it('usage query – defaults to today (UTC) by day, every dimension, 100 rows', () => {
    expect(parse({})).toEqual({
      query: {
        granularity: 'day',
        from: new Date('2025-06-15T00:00:00Z'),
        to: new Date('2025-06-16T00:00:00Z'),
        groupBy: ['tenant', 'key', 'model', 'provider'],
        filter: {},
      },
      limit: 100,
      cursor: undefined,
    });
  });

  it('usage query – a date as `to` includes that whole day; a date-time is exclusive', () => {
    expect(parse({ from: '2025-01-01', to: '2025-01-31' }).query.to).toEqual(new Date('2025-02-01T00:00:00Z'));
    const hourly = parse({ granularity: 'hour', from: '2025-01-01T08:00:00Z', to: '2025-01-01T10:00Z' }).query;
    expect([hourly.from, hourly.to]).toEqual([new Date('2025-01-01T08:00:00Z'), new Date('2025-01-01T10:00:00Z')]);
    expect(parse({ from: '2025-01-01T00:00:00+00:00' }).query.from).toEqual(new Date('2025-01-01T00:00:00Z'));
  });

  it('usage query – passes filters through and keeps group_by in canonical order', () => {
    const { query } = parse({ tenant: 't', key: 'k', model: 'm', provider: 'p', group_by: 'provider,tenant' });
    expect(query.filter).toEqual({ tenant: 't', key: 'k', model: 'm', provider: 'p' });
    expect(query.groupBy).toEqual(['tenant', 'provider']);
    expect(parse({ group_by: 'none' }).query.groupBy).toEqual([]);
  });

  it('usage query – reads limit and cursor only where pages exist', () => {
    expect(parse({ limit: '1000', cursor: 'abc' })).toMatchObject({ limit: 1000, cursor: 'abc' });
    expect(failure(() => parse({ limit: '10' }, false)).details.param).toBe('limit');
  });

  it.each([
    [{ from: '2025-13-01' }, 'from'],
    [{ from: '2025-02-30', to: '2025-03-01' }, 'from'],
    [{ to: '15-06-2025' }, 'to'],
    [{ from: '2025-06-15T08:00:00+02:00' }, 'from'],
    [{ from: '2025-06-15T24:00:00Z' }, 'from'],
    [{ from: '2025-06-16', to: '2025-06-15' }, 'from'],
    [{ from: '2025-06-15', to: '2025-06-15T00:00:00Z' }, 'from'],
    [{ from: '2025-06-15T08:00:00Z' }, 'from'],
    [{ granularity: 'hour', from: '2025-06-15T08:30:00Z' }, 'from'],
    [{ granularity: 'hour', from: '2025-06-15T08:00:00Z', to: '2025-06-15T09:00:01Z' }, 'to'],
    [{ from: '2024-01-01', to: '2025-01-01' }, 'to'],
    [{ granularity: 'hour', from: '2025-05-01', to: '2025-06-01' }, 'to'],
    [{ granularity: 'week' }, 'granularity'],
    [{ group_by: 'tenant,region' }, 'group_by'],
    [{ group_by: 'tenant,tenant' }, 'group_by'],
    [{ limit: '0' }, 'limit'],
    [{ limit: '1001' }, 'limit'],
    [{ limit: '5x' }, 'limit'],
    [{ tenant_id: 'x' }, 'tenant_id'],
    [{ model: ['a', 'b'] }, 'model'],
    [{ key: '' }, 'key'],
  ])('usage query – refuses %j naming the parameter', (query, param) => {
    const err = failure(() => parse(query));
    expect(err.code).toBe('invalid_request');
    expect(err.details.param).toBe(param);
    expect(err.message).toContain(param);
  });

  it('usage query – accepts the longest ranges: 366 days, or 31 days of hours', () => {
    expect(parse({ from: '2024-01-01', to: '2024-12-31' }).query.to).toEqual(new Date('2025-01-01T00:00:00Z'));
    expect(parse({ granularity: 'hour', from: '2025-05-01', to: '2025-05-31' }).query.to).toEqual(new Date('2025-06-01T00:00:00Z'));
  });
});

describe('usage scoping', () => {
  it('usage scope – admin keeps any filter', () => {
    expect(scopeToPrincipal({ tenant: 'other' }, principal('admin'))).toEqual({ tenant: 'other' });
  });

  it('usage scope – finance is narrowed to its tenant and refused another one', () => {
    expect(scopeToPrincipal({ key: 'k' }, principal('finance'))).toEqual({ key: 'k', tenant: 'tenant_a' });
    expect(failure(() => scopeToPrincipal({ tenant: 'tenant_b' }, principal('finance'))).code).toBe('permission_denied');
  });

  it('usage scope – client is narrowed to its own key and refused any other', () => {
    expect(scopeToPrincipal({}, principal('client'))).toEqual({ tenant: 'tenant_a', key: 'key_a' });
    expect(failure(() => scopeToPrincipal({ key: 'key_b' }, principal('client'))).code).toBe('permission_denied');
    expect(failure(() => scopeToPrincipal({ tenant: 'tenant_b' }, principal('client'))).code).toBe('permission_denied');
  });
});
