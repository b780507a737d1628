import type { KeysChanged, Principal } from '@aigw/contracts';
import { PrincipalCache } from './principal-cache';

const principal = (keyId: string, tenantId: string): Principal => ({ keyId, tenantId, role: 'client', keyPrefix: 'sk-...', limits: {} });
const owners: Record<string, Principal> = {
  h1: principal('key_1', 'acme'),
  h1old: principal('key_1', 'acme'),
  h2: principal('key_2', 'acme'),
  h3: principal('key_3', 'globex'),
};
const change = (c: Partial<KeysChanged>): KeysChanged => ({ reason: 'revoked', keyIds: [], keyHashes: [], tenantId: 'acme', at: 0, ...c });

function cacheOf(verify: (hash: string) => Promise<Principal> = async (h) => owners[h]!) {
  const calls: string[] = [];
  const cache = new PrincipalCache(
    (hash) => {
      calls.push(hash);
      return verify(hash);
    },
    { ttlMs: 60_000, negativeTtlMs: 1_000, maxEntries: 100 },
  );
  return { cache, calls, warm: () => Promise.all(Object.keys(owners).map((h) => cache.get(h))) };
}

describe('PrincipalCache – announced changes', () => {
  it('principal cache – drops the announced secrets and every secret of the announced keys, nothing else', async () => {
    const { cache, calls, warm } = cacheOf();
    await warm();
    cache.invalidate(change({ keyIds: ['key_1'], keyHashes: ['h1'] }));
    calls.length = 0;
    await warm();
    expect(calls.sort()).toEqual(['h1', 'h1old']);
  });

  it('principal cache – drops every principal of a tenant on a tenant change', async () => {
    const { cache, calls, warm } = cacheOf();
    await warm();
    cache.invalidate(change({ reason: 'tenant-updated', tenantId: 'acme' }));
    calls.length = 0;
    await warm();
    expect(calls.sort()).toEqual(['h1', 'h1old', 'h2']);
  });

  it('principal cache – drops a lookup still in flight for a changed secret, so the next request asks again', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { cache, calls } = cacheOf(async (h) => {
      await gate;
      return owners[h]!;
    });
    const pending = cache.get('h1');
    cache.invalidate(change({ keyIds: ['key_1'], keyHashes: ['h1'] }));
    release();
    await expect(pending).resolves.toMatchObject({ keyId: 'key_1' });
    await cache.get('h1');
    expect(calls).toEqual(['h1', 'h1']);
  });

  it('principal cache – forgets everything on clear (after a NATS reconnect)', async () => {
    const { cache, calls, warm } = cacheOf();
    await warm();
    cache.clear();
    calls.length = 0;
    await warm();
    expect(calls).toHaveLength(4);
  });
});
