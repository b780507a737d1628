import { Redis } from 'ioredis';
import { startRedisServer, type TestServer } from '@aigw/testing';
import { Ledger } from '../src/ledger';
import { PRICES, usageEvent } from './support';

let server: TestServer;
let redis: Redis;
let ledger: Ledger;

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url);
  ledger = new Ledger(redis, { dedupeTtlS: 3600, prices: PRICES });
});

afterAll(async () => {
  redis?.disconnect();
  await server?.cleanup();
});

/** Script calls Redis has run so far, from its own statistics. */
async function scriptCalls(): Promise<number> {
  const stats = await redis.info('commandstats');
  return [...stats.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

describe('ledger', () => {
  it('ledger – counts the events recorded in one run with one script call, adding each group once and each id once', async () => {
    const before = await scriptCalls();
    const a1 = usageEvent({ promptTokens: 100, completionTokens: 10 });
    const a2 = usageEvent({ promptTokens: 200, completionTokens: 20, stream: true });
    const b = usageEvent({ keyId: 'key_b', promptTokens: 7, completionTokens: 3 });
    const lateHour = usageEvent({ ts: '2025-01-10T13:30:00.000Z', promptTokens: 1, completionTokens: 1 });

    const outcomes = await Promise.all([a1, a2, b, { ...a1 }, lateHour].map((e) => ledger.record(e)));

    expect(outcomes).toEqual(['counted', 'counted', 'counted', 'duplicate', 'counted']);
    expect((await scriptCalls()) - before).toBe(1);
    const member = (key: string) => `tenant_a:${key}:gpt-4o:openai`;
    const [noon, keyB, onePm] = await ledger.usage('hour', [
      { bucket: '2025-01-10T12', member: member('key_a') },
      { bucket: '2025-01-10T12', member: member('key_b') },
      { bucket: '2025-01-10T13', member: member('key_a') },
    ]);
    expect(noon).toMatchObject({ requests: 2, streamed_requests: 1, prompt_tokens: 300, completion_tokens: 30, total_tokens: 330 });
    expect(keyB).toMatchObject({ requests: 1, prompt_tokens: 7, completion_tokens: 3 });
    expect(onePm).toMatchObject({ requests: 1, prompt_tokens: 1 });
    const [day] = await ledger.usage('day', [{ bucket: '2025-01-10', member: member('key_a') }]);
    expect(day).toMatchObject({ requests: 3, prompt_tokens: 301 });
    expect((await ledger.keySpend('day', '2025-01-10', 'tenant_a', 'key_a')).requests).toBe(3);
    expect(await ledger.tenantsOfMonth('2025-01')).toEqual(['tenant_a']);
  });

  it('ledger – adds sums past 10^14 exactly', async () => {
    const big = 10 ** 14 + 1;
    const events = [usageEvent({ tenantId: 'tenant_big', promptTokens: big }), usageEvent({ tenantId: 'tenant_big', promptTokens: big })];

    await Promise.all(events.map((e) => ledger.record(e)));

    const [hour] = await ledger.usage('hour', [{ bucket: '2025-01-10T12', member: 'tenant_big:key_a:gpt-4o:openai' }]);
    expect(hour!.prompt_tokens).toBe(2 * big);
  });

  it('ledger – a key of the wrong type fails the whole call before any write: its events count once the key is mended', async () => {
    const events = [usageEvent({ tenantId: 'tenant_w' }), usageEvent({ tenantId: 'tenant_w', keyId: 'key_ok' })];
    const broken = ledger.keys.usage('day', '2025-01-10', 'tenant_w:key_a:gpt-4o:openai');
    await redis.set(broken, 'not a hash');

    const settled = await Promise.allSettled(events.map((e) => ledger.record(e)));

    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(String((settled[0] as PromiseRejectedResult).reason)).toContain(`WRONGTYPE ledger key ${broken} holds a string, not a hash`);
    expect(await redis.exists(...events.map((e) => ledger.keys.marker(e.id)))).toBe(0);
    await redis.del(broken);
    expect(await Promise.all(events.map((e) => ledger.record(e)))).toEqual(['counted', 'counted']);
  });

  it('ledger – fails every event of a script call that Redis refuses, and counts them when recorded again', async () => {
    const events = [usageEvent(), usageEvent({ keyId: 'key_c' })];
    const broken = new Redis(server.url);
    const failing = new Ledger(broken, { dedupeTtlS: 3600, prices: PRICES });
    broken.disconnect();

    const settled = await Promise.allSettled(events.map((e) => failing.record(e)));

    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(await Promise.all(events.map((e) => ledger.record(e)))).toEqual(['counted', 'counted']);
  });
});
