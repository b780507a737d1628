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

  describe('principal cache – while auth cannot answer', () => {
    const T0 = 1_000_000;
    /** A cache whose auth answers until `down` is set, then fails as an unreachable auth does. */
    function flaky(staleIfErrorMs: number) {
      const state = { down: false, unknown: false, stale: 0 };
      const cache = new PrincipalCache(
        async (h) => {
          if (state.unknown) throw new InvalidApiKeyError();
          if (state.down) throw new ServiceUnavailableError('auth', 'The auth service did not answer within 1000 ms.');
          return principal(h);
        },
        { ttlMs: 5_000, negativeTtlMs: 1_000, maxEntries: 100, staleIfErrorMs, onStale: () => (state.stale += 1) },
      );
      return { cache, state };
    }

    it('serves a key with the principal auth last confirmed, until staleIfErrorMs after that, counting each such lookup', async () => {
      jest.useFakeTimers({ now: T0 });
      const { cache, state } = flaky(60_000);
      await cache.get('a');
      state.down = true;
      jest.setSystemTime(T0 + 5_001);
      await expect(cache.get('a')).resolves.toMatchObject({ keyId: 'a' });
      jest.setSystemTime(T0 + 59_999);
      await expect(cache.get('a')).resolves.toMatchObject({ keyId: 'a' });
      expect(state.stale).toBe(2);
      jest.setSystemTime(T0 + 60_001);
      await expect(cache.get('a')).rejects.toBeInstanceOf(ServiceUnavailableError);
    });

    it('counts from the last confirmation: once auth answers again, the allowance starts over', async () => {
      jest.useFakeTimers({ now: T0 });
      const { cache, state } = flaky(60_000);
      await cache.get('a');
      jest.setSystemTime(T0 + 50_000);
      await cache.get('a');
      state.down = true;
      jest.setSystemTime(T0 + 100_000);
      await expect(cache.get('a')).resolves.toMatchObject({ keyId: 'a' });
    });

    it('serves nothing stale for a key auth never confirmed, one it now says is unknown, or with staleIfErrorMs 0', async () => {
      jest.useFakeTimers({ now: T0 });
      const { cache, state } = flaky(60_000);
      state.down = true;
      await expect(cache.get('never')).rejects.toBeInstanceOf(ServiceUnavailableError);

      state.down = false;
      await cache.get('b');
      state.unknown = true;
      jest.setSystemTime(T0 + 5_001);
      await expect(cache.get('b')).rejects.toBeInstanceOf(InvalidApiKeyError);

      const off = flaky(0);
      await off.cache.get('c');
      off.state.down = true;
      jest.setSystemTime(T0 + 10_002);
      await expect(off.cache.get('c')).rejects.toBeInstanceOf(ServiceUnavailableError);
      expect(state.stale + off.state.stale).toBe(0);
    });

    it('serves nothing stale for a key revoked or changed meanwhile, nor after a resync', async () => {
      jest.useFakeTimers({ now: T0 });
      const { cache, state } = flaky(60_000);
      await cache.get('revoked');
      await cache.get('resynced');
      cache.invalidate({ reason: 'revoked', keyIds: ['revoked'], keyHashes: [], tenantId: 't', at: T0 });
      state.down = true;
      jest.setSystemTime(T0 + 5_001);
      await expect(cache.get('revoked')).rejects.toBeInstanceOf(ServiceUnavailableError);
      cache.clear();
      await expect(cache.get('resynced')).rejects.toBeInstanceOf(ServiceUnavailableError);
    });
  });
});
