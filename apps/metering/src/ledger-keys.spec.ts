import { decodeMember, encodeMember, escapeDim, LedgerKeys, unescapeDim } from './ledger-keys';

describe('ledger keys', () => {
  it('ledger keys – escaped dimensions never contain the separator and decode to the original', () => {
    for (const value of ['a:b', '%3A', 'a%:b:%25', '', 'plain', '::']) {
      const escaped = escapeDim(value);
      expect(escaped).not.toContain(':');
      expect(unescapeDim(escaped)).toBe(value);
    }
  });

  it('ledger keys – tuples that differ only in where a separator sits stay distinct', () => {
    const a = encodeMember({ tenant: 'a:b', key: 'c', model: 'm', provider: 'p' });
    const b = encodeMember({ tenant: 'a', key: 'b:c', model: 'm', provider: 'p' });
    expect(a).not.toBe(b);
    expect(decodeMember(a)).toEqual({ tenant: 'a:b', key: 'c', model: 'm', provider: 'p' });
    expect(decodeMember(b)).toEqual({ tenant: 'a', key: 'b:c', model: 'm', provider: 'p' });
  });

  it('ledger keys – reads the bucket back from every aggregate key, and none from a marker', () => {
    const keys = new LedgerKeys('metering:v2:');
    const member = encodeMember({ tenant: 't:1', key: 'k', model: 'm', provider: 'p' });
    expect(keys.bucketOfKey(keys.index('hour', '2025-02-01T08'))).toBe('2025-02-01T08');
    expect(keys.bucketOfKey(keys.usage('day', '2025-02-01', member))).toBe('2025-02-01');
    expect(keys.bucketOfKey(keys.tenantSpend('month', '2025-02', 't:1'))).toBe('2025-02');
    expect(keys.bucketOfKey(keys.keySpend('day', '2025-02-01', 't:1', 'k:2'))).toBe('2025-02-01');
    expect(keys.bucketOfKey(keys.tenantsOfMonth('2025-02'))).toBe('2025-02');
    expect(keys.bucketOfKey(keys.marker('req_1'))).toBeUndefined();
    expect(keys.bucketOfKey('metering:rebuild:x:index:day:2025-02-01')).toBeUndefined();
  });
});
