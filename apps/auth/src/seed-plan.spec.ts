import { hashKey, keyPrefix } from '@aigw/contracts';
import { planSeed } from './seed-plan';

const secret = 'sk-aigw-0123456789abcdef0123456789abcdef';

describe('planSeed', () => {
  it('planSeed – stores a key under the hash of its secret with its tenant, role and limits', () => {
    const plan = planSeed([{ id: 'key_a', tenant: 'acme', role: 'finance', secretEnv: 'KEY_A', rpm: 60 }], { KEY_A: secret });

    expect(plan.skipped).toEqual([]);
    expect(plan.keys).toEqual([
      { keyId: 'key_a', keyHash: hashKey(secret), tenantId: 'acme', role: 'finance', keyPrefix: keyPrefix(secret), limits: { rpm: 60 } },
    ]);
  });

  it('planSeed – gives a key without its own rpm no limits of its own', () => {
    const plan = planSeed([{ id: 'key_a', tenant: 'acme', role: 'client', secretEnv: 'KEY_A' }], { KEY_A: secret });

    expect(plan.keys[0]?.limits).toEqual({});
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
    expect(plan.keys.map((k) => k.keyId)).toEqual(['key_set']);
  });

  it('planSeed – never puts the plain secret in the plan', () => {
    const plan = planSeed([{ id: 'key_a', tenant: 'acme', role: 'admin', secretEnv: 'KEY_A', rpm: 5 }], { KEY_A: secret });

    expect(JSON.stringify(plan)).not.toContain(secret.slice(7, -4));
  });
});
