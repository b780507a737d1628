import { GatewayError, type Principal } from '@aigw/contracts';
import { parseUsageQuery, scopeToPrincipal, utcToday } from './usage-query';

const TODAY = '2025-06-15';

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

describe('usage query parsing', () => {
  it('usage query – defaults from and to to today UTC', () => {
    expect(parseUsageQuery({}, TODAY)).toEqual({ from: TODAY, to: TODAY });
    expect(utcToday(new Date('2025-06-15T23:59:59.999Z'))).toBe('2025-06-15');
  });

  it('usage query – passes the dimension filters through', () => {
    expect(parseUsageQuery({ from: '2025-01-01', to: '2025-01-31', tenant: 't', key: 'k', model: 'm' }, TODAY)).toEqual({
      from: '2025-01-01',
      to: '2025-01-31',
      tenant: 't',
      key: 'k',
      model: 'm',
    });
  });

  it.each([
    [{ from: '2025-13-01' }, 'from'],
    [{ from: '2025-02-30', to: '2025-03-01' }, 'from'],
    [{ to: '15-06-2025' }, 'to'],
    [{ from: '2025-06-16', to: '2025-06-15' }, 'from'],
    [{ from: '2024-01-01', to: '2025-01-01' }, 'to'],
    [{ tenant_id: 'x' }, 'tenant_id'],
    [{ model: ['a', 'b'] }, 'model'],
    [{ key: '' }, 'key'],
  ])('usage query – refuses %j naming the parameter', (query, param) => {
    const err = failure(() => parseUsageQuery(query, TODAY));
    expect(err.code).toBe('invalid_request');
    expect(err.details.param).toBe(param);
  });

  it('usage query – accepts a range of exactly 366 days', () => {
    expect(parseUsageQuery({ from: '2024-01-01', to: '2024-12-31' }, TODAY).to).toBe('2024-12-31');
  });
});

describe('usage scoping', () => {
  const filter = { from: TODAY, to: TODAY };

  it('usage scope – admin keeps any filter', () => {
    expect(scopeToPrincipal({ ...filter, tenant: 'other' }, principal('admin'))).toEqual({ ...filter, tenant: 'other' });
  });

  it('usage scope – finance is narrowed to its tenant and refused another one', () => {
    expect(scopeToPrincipal({ ...filter, key: 'k' }, principal('finance'))).toEqual({ ...filter, key: 'k', tenant: 'tenant_a' });
    expect(failure(() => scopeToPrincipal({ ...filter, tenant: 'tenant_b' }, principal('finance'))).code).toBe('permission_denied');
  });

  it('usage scope – client is narrowed to its own key and refused any other', () => {
    expect(scopeToPrincipal(filter, principal('client'))).toEqual({ ...filter, tenant: 'tenant_a', key: 'key_a' });
    expect(failure(() => scopeToPrincipal({ ...filter, key: 'key_b' }, principal('client'))).code).toBe('permission_denied');
    expect(failure(() => scopeToPrincipal({ ...filter, tenant: 'tenant_b' }, principal('client'))).code).toBe('permission_denied');
  });
});
