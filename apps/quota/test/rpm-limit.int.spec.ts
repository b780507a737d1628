import { Redis } from 'ioredis';
import type { AdmitResponse } from '@aigw/contracts';
import { keyScope } from '../src/redis/quota-store';
import { MINUTE_MS as RPM_WINDOW_MS } from '../src/redis/script-parts';
import { decisionCounts, startQuotaStack, type QuotaStack } from './harness';

const DEFAULT_RPM = 100;
/** The minute window of a key: a sorted set of request ids scored by admission time. */
const rpmWindowKey = (keyId: string) => `${keyScope(keyId)}:m`;

let stack: QuotaStack;
let redis: Redis;

beforeAll(async () => {
  stack = await startQuotaStack({ replicas: 2, quota: { defaults: { rpm: DEFAULT_RPM } } });
  redis = new Redis(stack.redis.url);
});

/** Now on the clock quota decides by, Unix time in milliseconds. */
async function redisNowMs(): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

afterAll(async () => {
  await redis?.quit();
  await stack?.close();
});

describe('quota – requests per minute', () => {
  test('quota – counts remaining down and refuses the 101st request in a minute', async () => {
    const keyId = 'key_countdown';
    const started = Date.now();
    const admitted: AdmitResponse[] = [];
    for (let i = 0; i < DEFAULT_RPM; i++) admitted.push(await stack.admit({ keyId }));
    const refused = await stack.admit({ keyId });
    const elapsed = Date.now() - started;

    expect(admitted.every((r) => r.admitted && r.requests.limit === DEFAULT_RPM)).toBe(true);
    const countdown = Array.from({ length: DEFAULT_RPM }, (_, i) => DEFAULT_RPM - 1 - i);
    expect(admitted.map((r) => r.requests.remaining)).toEqual(countdown);

    expect(refused.admitted).toBe(false);
    expect(refused.requests).toMatchObject({ limit: DEFAULT_RPM, remaining: 0 });
    // Room comes back when the first request leaves the window: one minute after it, less the time since.
    expect(refused.requests.resetMs).toBeLessThanOrEqual(RPM_WINDOW_MS);
    expect(refused.requests.resetMs).toBeGreaterThanOrEqual(RPM_WINDOW_MS - elapsed);
    expect(refused.retryAfterS).toBe(Math.ceil(refused.requests.resetMs / 1000));
    expect(refused.reason).toBe(
      `Rate limit reached for requests per minute on key ${keyId}: limit ${DEFAULT_RPM}, used ${DEFAULT_RPM}. ` +
        `Try again in ${refused.retryAfterS}s.`,
    );
  });

  test('quota – slides: admits again as soon as the oldest request leaves the window', async () => {
    const keyId = 'key_sliding';
    const nowMs = await redisNowMs();
    // A full window whose oldest entry is 700 ms from expiring, the rest much later.
    const scores = [nowMs - RPM_WINDOW_MS + 700, ...Array<number>(DEFAULT_RPM - 1).fill(nowMs - 10_000)];
    await redis.zadd(rpmWindowKey(keyId), ...scores.flatMap((score, i) => [score, `seeded-${i}`]));

    const refused = await stack.admit({ keyId });
    expect(refused.admitted).toBe(false);
    expect(refused.requests.resetMs).toBeGreaterThan(0);
    expect(refused.requests.resetMs).toBeLessThanOrEqual(700);
    expect(refused.retryAfterS).toBe(1);

    await new Promise((r) => setTimeout(r, refused.requests.resetMs + 20));
    const again = await stack.admit({ keyId });
    expect(again).toMatchObject({ admitted: true, requests: { limit: DEFAULT_RPM, remaining: 0 } });
    // The next room comes with the seeded bulk, about 50 s from now.
    expect(again.requests.resetMs).toBeGreaterThan(RPM_WINDOW_MS - 10_000 - 2000);
    expect(again.requests.resetMs).toBeLessThanOrEqual(RPM_WINDOW_MS - 10_000);
  });

  test('quota – admits exactly the limit out of 500 concurrent requests from two clients spread over two replicas', async () => {
    const keyId = 'key_concurrent';
    const before = await Promise.all(stack.replicas.map(decisionCounts));
    const replies = await Promise.all(Array.from({ length: 500 }, (_, i) => stack.admit({ keyId }, stack.clients[i % 2])));
    const after = await Promise.all(stack.replicas.map(decisionCounts));

    const admitted = replies.filter((r) => r.admitted);
    expect(admitted).toHaveLength(DEFAULT_RPM);
    // Each admitted request saw its own count: no two decisions interleaved.
    expect(admitted.map((r) => r.requests.remaining).sort((a, b) => a - b)).toEqual(
      Array.from({ length: DEFAULT_RPM }, (_, i) => i),
    );
    expect(replies.filter((r) => !r.admitted).every((r) => r.requests.remaining === 0 && r.retryAfterS! >= 1)).toBe(true);

    const decided = (c: Record<string, number>) => (c.admitted ?? 0) + (c.refused ?? 0);
    const decidedBy = after.map((a, i) => decided(a) - decided(before[i]));
    expect(decidedBy.reduce((a, b) => a + b)).toBe(500);
    expect(decidedBy.every((n) => n > 0)).toBe(true);
  });

  test('quota – keeps each key in its own window', async () => {
    const limits = { rpm: 2 };
    await stack.admit({ keyId: 'key_busy', limits });
    await stack.admit({ keyId: 'key_busy', limits });
    expect((await stack.admit({ keyId: 'key_busy', limits })).admitted).toBe(false);

    const other = await stack.admit({ keyId: 'key_quiet', limits });
    expect(other).toMatchObject({ admitted: true, requests: { limit: 2, remaining: 1 } });
  });

  test("quota – a key's own rpm wins over the default, in both directions", async () => {
    const lower = [];
    for (let i = 0; i < 4; i++) lower.push(await stack.admit({ keyId: 'key_low', limits: { rpm: 3 } }));
    expect(lower.map((r) => r.admitted)).toEqual([true, true, true, false]);
    expect(lower[3].requests.limit).toBe(3);
    expect(lower[3].reason).toMatch(/limit 3, used 3\./);

    const higher = await Promise.all(
      Array.from({ length: DEFAULT_RPM + 20 }, () => stack.admit({ keyId: 'key_high', limits: { rpm: DEFAULT_RPM + 10 } })),
    );
    expect(higher.filter((r) => r.admitted)).toHaveLength(DEFAULT_RPM + 10);

    const plain = await stack.admit({ keyId: 'key_plain' });
    expect(plain.requests).toMatchObject({ limit: DEFAULT_RPM, remaining: DEFAULT_RPM - 1 });
  });

  test('quota – after a key\'s limit is lowered, waits until enough requests have left the window', async () => {
    const keyId = 'key_lowered';
    const nowMs = await redisNowMs();
    // 8 requests under an old limit: 3 leave the window in about 10 s, 5 in about 40 s.
    const scores = [...Array<number>(3).fill(nowMs - 50_000), ...Array<number>(5).fill(nowMs - 20_000)];
    await redis.zadd(rpmWindowKey(keyId), ...scores.flatMap((score, i) => [score, `seeded-${i}`]));

    const refused = await stack.admit({ keyId, limits: { rpm: 5 } });
    // Room under 5 needs 4 of the 8 gone: the fourth oldest, not the oldest, sets the wait.
    expect(refused).toMatchObject({ admitted: false, requests: { limit: 5, remaining: 0 } });
    expect(refused.requests.resetMs).toBeGreaterThan(38_000);
    expect(refused.requests.resetMs).toBeLessThanOrEqual(40_000);
    expect(refused.reason).toContain('limit 5, used 8.');
  });

  test('quota – counts a repeated request id once, and keeps it admitted', async () => {
    const keyId = 'key_retried';
    const limits = { rpm: 3 };
    const first = await stack.admit({ keyId, limits, requestId: 'req-1' });
    const repeats = await Promise.all(Array.from({ length: 20 }, () => stack.admit({ keyId, limits, requestId: 'req-1' })));
    expect([first, ...repeats].every((r) => r.admitted && r.requests.remaining === 2)).toBe(true);

    expect((await stack.admit({ keyId, limits, requestId: 'req-2' })).requests.remaining).toBe(1);
    expect((await stack.admit({ keyId, limits, requestId: 'req-3' })).requests.remaining).toBe(0);
    expect((await stack.admit({ keyId, limits, requestId: 'req-4' })).admitted).toBe(false);
    // A retry of an admitted request is still that request, even once the window is full.
    expect((await stack.admit({ keyId, limits, requestId: 'req-1' })).admitted).toBe(true);
    expect(await redis.zcard(rpmWindowKey(keyId))).toBe(3);
    // Limited in requests only, they leave nothing to settle: no reservation, no lease, nothing to renew.
    expect(await redis.exists('aigw:q:req:req-1', 'aigw:q:req:req-2')).toBe(0);
  });
});
