import { InvalidApiKeyError, ServiceUnavailableError, type Principal } from '@aigw/contracts';
import { PrincipalCache } from './principal-cache';

const principal = (keyId: string): Principal => ({ keyId, tenantId: 't', role: 'client', keyPrefix: 'sk-...', limits: {} });

function cacheWith(verify: (hash: string) => Promise<Principal>, ttlMs = 5_000, negativeTtlMs = 1_000, maxEntries = 100) {
  const calls: string[] = [];
  const cache = new PrincipalCache(
    (hash) => {
      calls.push(hash);
      return verify(hash);
    },
    { ttlMs, negativeTtlMs, maxEntries },
  );
  return { cache, calls };
}

describe('PrincipalCache', () => {
  afterEach(() => jest.useRealTimers());

  it('principal cache – asks auth once per key within the TTL, again after it', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const { cache, calls } = cacheWith(async (h) => principal(h));
    await cache.get('a');
    await cache.get('a');
    expect(calls).toEqual(['a']);
    jest.setSystemTime(1_000_000 + 5_001);
    await cache.get('a');
    expect(calls).toEqual(['a', 'a']);
  });

  it('principal cache – shares one lookup between concurrent requests with the same key', async () => {
    const { cache, calls } = cacheWith(async (h) => principal(h));
    const results = await Promise.all([cache.get('a'), cache.get('a'), cache.get('a')]);
    expect(calls).toEqual(['a']);
    expect(results.map((p) => p.keyId)).toEqual(['a', 'a', 'a']);
  });

  it('principal cache – remembers an unknown key only for the short negative TTL', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const { cache, calls } = cacheWith(() => Promise.reject(new InvalidApiKeyError()));
    await expect(cache.get('bad')).rejects.toBeInstanceOf(InvalidApiKeyError);
    await expect(cache.get('bad')).rejects.toBeInstanceOf(InvalidApiKeyError);
    expect(calls).toHaveLength(1);
    jest.setSystemTime(1_000_000 + 1_001);
    await expect(cache.get('bad')).rejects.toBeInstanceOf(InvalidApiKeyError);
    expect(calls).toHaveLength(2);
  });

  it('principal cache – does not remember a failure of the auth service', async () => {
    let up = false;
    const { cache, calls } = cacheWith(async (h) => {
      if (!up) throw new ServiceUnavailableError('auth', 'down');
      return principal(h);
    });
    await expect(cache.get('a')).rejects.toBeInstanceOf(ServiceUnavailableError);
    up = true;
    await expect(cache.get('a')).resolves.toMatchObject({ keyId: 'a' });
    expect(calls).toHaveLength(2);
  });

  it('principal cache – keeps at most maxEntries keys, dropping the oldest', async () => {
    const { cache, calls } = cacheWith(async (h) => principal(h), 5_000, 1_000, 2);
    await cache.get('a');
    await cache.get('b');
    await cache.get('c');
    await cache.get('b');
    await cache.get('a');
    expect(calls).toEqual(['a', 'b', 'c', 'a']);
  });
});
