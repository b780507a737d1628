import { hashKey, keyPrefix } from '@aigw/contracts';
import { planSeed, principalFromFields } from './key-records';

const secret = 'sk-aigw-0123456789abcdef0123456789abcdef';

describe('planSeed', () => {
  it('planSeed – stores a key under the hash of its secret with the principal fields', () => {
    const plan = planSeed([{ id: 'key_a', tenant: 'acme', role: 'finance', secretEnv: 'KEY_A', rpm: 60 }], { KEY_A: secret });

    expect(plan.skipped).toEqual([]);
    expect(plan.records).toEqual([
      {
        keyId: 'key_a',
        keyHash: hashKey(secret),
        fields: { keyId: 'key_a', tenantId: 'acme', role: 'finance', keyPrefix: keyPrefix(secret), rpm: '60' },
      },
    ]);
  });

  it('planSeed – leaves out the rpm field of a key without its own limit', () => {
    const plan = planSeed([{ id: 'key_a', tenant: 'acme', role: 'client', secretEnv: 'KEY_A' }], { KEY_A: secret });

    expect(plan.records[0]?.fields).not.toHaveProperty('rpm');
  });

  it('planSeed – skips a key whose variable is unset or empty, naming the variable', () => {
    const plan = planSeed(
      [
        { id: 'key_unset', tenant: 'acme', role: 'client', secretEnv: 'UNSET_KEY' },
        { id: 'key_empty', tenant: 'acme', role: 'client', secretEnv: 'EMPTY_KEY' },
        { id: 'key_set', tenant: 'acme', role: 'client', secretEnv: 'SET_KEY' },
      ],
      { EMPTY_KEY: '', SET_KEY: secret },
    );

    expect(plan.skipped).toEqual([
      { keyId: 'key_unset', secretEnv: 'UNSET_KEY' },
      { keyId: 'key_empty', secretEnv: 'EMPTY_KEY' },
    ]);
    expect(plan.records.map((r) => r.keyId)).toEqual(['key_set']);
  });

  it('planSeed – never puts the plain secret in a record', () => {
    const plan = planSeed([{ id: 'key_a', tenant: 'acme', role: 'admin', secretEnv: 'KEY_A', rpm: 5 }], { KEY_A: secret });

    expect(JSON.stringify(plan)).not.toContain(secret.slice(7, -4));
  });
});

describe('principalFromFields', () => {
  it('principalFromFields – reads back what planSeed stores', () => {
    const [record] = planSeed([{ id: 'key_a', tenant: 'acme', role: 'finance', secretEnv: 'KEY_A', rpm: 60 }], {
      KEY_A: secret,
    }).records;

    expect(principalFromFields(record!.fields)).toEqual({
      keyId: 'key_a',
      tenantId: 'acme',
      role: 'finance',
      keyPrefix: keyPrefix(secret),
      limits: { rpm: 60 },
    });
  });

  it('principalFromFields – has no principal for an empty hash (a key Redis does not know)', () => {
    expect(principalFromFields({})).toBeUndefined();
  });

  it('principalFromFields – refuses a malformed record with internal_error', () => {
    expect(() => principalFromFields({ keyId: 'key_a', tenantId: 'acme', role: 'root', keyPrefix: '...' })).toThrow(
      expect.objectContaining({ code: 'internal_error' }),
    );
  });
});
