import type { BusClient } from '@aigw/bus';
import { hashKey, type KeysChanged, type Principal } from '@aigw/contracts';
import { KeyVerifier } from './key-verifier';

const owners: Record<string, Principal> = {
  'sk-one': { keyId: 'key_1', tenantId: 'acme', role: 'finance', keyPrefix: 'sk-...', limits: {} },
  'sk-two': { keyId: 'key_2', tenantId: 'acme', role: 'finance', keyPrefix: 'sk-...', limits: {} },
  'sk-three': { keyId: 'key_3', tenantId: 'globex', role: 'finance', keyPrefix: 'sk-...', limits: {} },
};
const byHash = new Map(Object.entries(owners).map(([secret, p]) => [hashKey(secret), p]));
const change = (c: Partial<KeysChanged>): KeysChanged => ({ reason: 'revoked', keyIds: [], keyHashes: [], tenantId: 'acme', at: 0, ...c });

/** A verifier whose auth answers from `owners`, counting the questions. */
function verifierOf() {
  const asked: string[] = [];
  const bus = {
    request: async (_contract: unknown, { keyHash }: { keyHash: string }) => {
      asked.push(byHash.get(keyHash)!.keyId);
      return { principal: byHash.get(keyHash)! };
    },
  } as unknown as BusClient;
  const verifier = new KeyVerifier(bus, { ttlMs: 60_000 });
  const warm = () => Promise.all(Object.keys(owners).map((s) => verifier.verify(s)));
  return { verifier, asked, warm };
}

describe('KeyVerifier – announced changes', () => {
  it('key verifier – drops a revoked key from its cache, and only that key', async () => {
    const { verifier, asked, warm } = verifierOf();
    await warm();
    verifier.invalidate(change({ keyIds: ['key_1'], keyHashes: [hashKey('sk-one')] }));
    asked.length = 0;
    await warm();
    expect(asked).toEqual(['key_1']);
  });

  it('key verifier – drops every key of a changed tenant, and everything on clear', async () => {
    const { verifier, asked, warm } = verifierOf();
    await warm();
    verifier.invalidate(change({ reason: 'tenant-updated', tenantId: 'acme' }));
    asked.length = 0;
    await warm();
    expect(asked.sort()).toEqual(['key_1', 'key_2']);
    verifier.clear();
    asked.length = 0;
    await warm();
    expect(asked).toHaveLength(3);
  });
});
