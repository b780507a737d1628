import { Redis } from 'ioredis';
import { COMMON_LUA, DAY_MS } from '../src/redis/script-parts';
import { keyScope } from '../src/redis/quota-store';
import { startQuotaStack, type QuotaStack } from './harness';

let stack: QuotaStack;
let redis: Redis;

beforeAll(async () => {
  stack = await startQuotaStack({
    replicas: 1,
    quota: {
      defaults: { rpm: 1000 },
      tiers: {
        free: { rpm: 3, maxConcurrent: 10, models: { 'gpt-4o': { rpm: 1 } } },
        pro: { rpm: 100 },
      },
      models: { 'gpt-4o': { rpm: 2 } },
    },
  });
  redis = new Redis(stack.redis.url);
});

afterAll(async () => {
  await redis?.quit();
  await stack?.close();
});

async function admittedOf(n: number, ask: Parameters<QuotaStack['admit']>[0]): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) out.push((await stack.admit(ask)).admitted);
  return out;
}

describe('quota – scopes and tiers', () => {
  test("quota – a tier's preset applies to its tenants' keys, and a tenant limit holds across all its keys", async () => {
    expect(await admittedOf(4, { keyId: 'key_free', tenantId: 'tenant_free', tier: 'free' })).toEqual([true, true, true, false]);
    // Tier limits are tenant limits too: another key of the same free tenant finds the tenant's minute used up.
    const other = await stack.admit({ keyId: 'key_free_2', tenantId: 'tenant_free', tier: 'free' });
    expect(other).toMatchObject({ admitted: false, limit: 'requests' });
    expect(other.reason).toMatch(/^Rate limit reached for requests per minute on tenant tenant_free: limit 3, used 3\./);
    // A key's own limit is its own, under the tenant's.
    const pro = await stack.admit({ keyId: 'key_pro', tenantId: 'tenant_pro', tier: 'pro', limits: { rpm: 5 } });
    expect(pro.requests).toMatchObject({ limit: 5, remaining: 4 });
  });

  test("quota – per-model limits count per key and alias, the tier's winning over the global ones", async () => {
    expect(await admittedOf(2, { keyId: 'key_m_free', tenantId: 'tenant_m_free', tier: 'free', model: 'gpt-4o' })).toEqual([true, false]);
    const refused = await stack.admit({ keyId: 'key_m_free', tenantId: 'tenant_m_free', tier: 'free', model: 'gpt-4o' });
    expect(refused.reason).toMatch(/^Rate limit reached for requests per minute on key key_m_free for model gpt-4o: limit 1, used 1\./);
    // Other aliases of the same key are not held by gpt-4o's limit.
    expect((await stack.admit({ keyId: 'key_m_free', tenantId: 'tenant_m_free', tier: 'free', model: 'gpt-4o-mini' })).admitted).toBe(true);

    expect(await admittedOf(3, { keyId: 'key_m_any', model: 'gpt-4o' })).toEqual([true, true, false]);
  });

  test('quota – a tier the config does not define gets the default limits', async () => {
    const reply = await stack.admit({ keyId: 'key_gold', tenantId: 'tenant_gold', tier: 'gold' });
    expect(reply.requests).toMatchObject({ limit: 1000, remaining: 999 });
  });

  test('quota – requests per day slide over 24 hours and say when the oldest leaves', async () => {
    const keyId = 'key_rpd';
    const [seconds] = await redis.time();
    const nowMs = Number(seconds) * 1000;
    // Two requests from about 23 and 3 hours ago fill a limit of 2; one from 25 hours ago no longer counts.
    await redis.rpush(`${keyScope(keyId)}:d`, nowMs - 25 * 3_600_000, nowMs - 23 * 3_600_000, nowMs - 3 * 3_600_000);
    const refused = await stack.admit({ keyId, limits: { rpd: 2 } });
    expect(refused).toMatchObject({ admitted: false, limit: 'requests' });
    expect(refused.reason).toMatch(/^Rate limit reached for requests per day on key key_rpd: limit 2, used 2\. Try again in 1h\.$/);
    expect(refused.retryAfterS).toBeGreaterThan(3595);
    expect(refused.retryAfterS).toBeLessThanOrEqual(3601);
    expect(await redis.llen(`${keyScope(keyId)}:d`)).toBe(2);
    expect((await stack.admit({ keyId, limits: { rpd: 3 } })).admitted).toBe(true);
  });
});

describe('quota – spend periods in Lua', () => {
  test('quota – the UTC day and month of an instant and their ends match the calendar, leap years included', async () => {
    const script = `${COMMON_LUA}
local out = {}
for i = 1, #ARGV do
  local p = periods(tonumber(ARGV[i]))
  out[#out + 1] = p.day .. ' ' .. p.day_end .. ' ' .. p.month .. ' ' .. p.month_end
end
return out`;
    const instants = ['1970-01-01T00:00:00Z', '2000-02-29T23:59:59.999Z', '2024-02-29T12:00:00Z', '2024-12-31T23:59:59.999Z', '2025-01-01T00:00:00Z', '2100-02-28T06:00:00Z', '2026-06-30T23:59:59.999Z']
      .map(Date.parse)
      .concat(Array.from({ length: 200 }, (_, i) => Date.UTC(2020, 0, 1) + i * 7.3 * DAY_MS));
    const got = (await redis.eval(script, 0, ...instants)) as string[];
    const expected = instants.map((ms) => {
      const d = new Date(ms);
      const [y, m] = [d.getUTCFullYear(), d.getUTCMonth()];
      const dayEnd = Date.UTC(y, m, d.getUTCDate() + 1);
      return `${d.toISOString().slice(0, 10).replaceAll('-', '')} ${dayEnd} ${d.toISOString().slice(0, 7).replace('-', '')} ${Date.UTC(y, m + 1, 1)}`;
    });
    expect(got).toEqual(expected);
  });
});
