import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Release, Renew } from '@aigw/contracts';
import { keyScope } from '../src/redis/quota-store';
import { eventually, startQuotaStack, type QuotaStack } from './harness';

const LEASE_TTL_MS = 1000;
const GRACE_MS = 1000;
const MAX_REQUEST_MS = 2000;

let stack: QuotaStack;
let redis: Redis;

beforeAll(async () => {
  const quota = { leaseTtlMs: LEASE_TTL_MS, reconcileGraceMs: GRACE_MS, maxRequestMs: MAX_REQUEST_MS };
  stack = await startQuotaStack({ replicas: 2, quota, sweepIntervalMs: 100 });
  redis = new Redis(stack.redis.url);
});

afterAll(async () => {
  await redis?.quit();
  await stack?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tokensInWindow = async (keyId: string) => Number((await redis.get(`${keyScope(keyId)}:ms`)) ?? 0);

describe('quota – concurrency leases', () => {
  test('quota – refuses the request over the concurrency limit, naming it, and gives the lease TTL to the admitted', async () => {
    const keyId = 'key_conc';
    const limits = { maxConcurrent: 2 };
    const [a, b, c] = [await stack.admit({ keyId, limits }), await stack.admit({ keyId, limits }), await stack.admit({ keyId, limits })];
    expect([a.leaseTtlMs, b.leaseTtlMs]).toEqual([LEASE_TTL_MS, LEASE_TTL_MS]);
    expect(c).toMatchObject({ admitted: false, limit: 'concurrency', retryAfterS: 1 });
    expect(c.reason).toBe('Too many concurrent requests on key key_conc: limit 2, in flight 2. Try again in 1s.');
  });

  test('quota – a released request frees its slot at once, by request or by fire-and-forget notice', async () => {
    const keyId = 'key_release';
    const limits = { maxConcurrent: 1 };
    const first = randomUUID();
    await stack.admit({ keyId, limits, requestId: first });
    expect((await stack.admit({ keyId, limits })).admitted).toBe(false);
    expect(await stack.client.request(Release, { requestId: first, usageFollows: false })).toEqual({ released: true });
    const second = randomUUID();
    expect((await stack.admit({ keyId, limits, requestId: second })).admitted).toBe(true);

    // The proxy's way: a notice nobody answers, sent on the response's close.
    const sent = Date.now();
    stack.clients[1].notify(Release, { requestId: second, usageFollows: false });
    await eventually(async () => (await stack.admit({ keyId, limits })).admitted, 2000);
    expect(Date.now() - sent).toBeLessThan(200);
    // Released twice is released once.
    expect(await stack.client.request(Release, { requestId: second, usageFollows: false })).toEqual({ released: false });
  });

  test('quota – renewed leases hold their slots past the TTL; a lease nobody renews (a dead proxy) frees its slot after it', async () => {
    const keyId = 'key_renew';
    const limits = { maxConcurrent: 2 };
    const alive = randomUUID();
    const dead = randomUUID();
    await stack.admit({ keyId, limits, requestId: alive });
    await stack.admit({ keyId, limits, requestId: dead });
    const started = Date.now();
    const renewals = setInterval(() => stack.client.notify(Renew, { requestIds: [alive] }), LEASE_TTL_MS / 3);
    try {
      expect((await stack.admit({ keyId, limits })).admitted).toBe(false);
      await eventually(async () => (await stack.admit({ keyId, limits })).admitted, 3 * LEASE_TTL_MS);
      expect(Date.now() - started).toBeGreaterThanOrEqual(LEASE_TTL_MS - 50);
      // The dead one's slot went to that admission; the renewed one still holds its own.
      await sleep(LEASE_TTL_MS);
      expect(await stack.client.request(Renew, { requestIds: [alive] })).toEqual({ renewed: 1 });
      expect(await redis.zscore(`${keyScope(keyId)}:c`, alive)).not.toBeNull();
      expect(await redis.zscore(`${keyScope(keyId)}:c`, dead)).toBeNull();
    } finally {
      clearInterval(renewals);
    }
  });
});

describe('quota – reservations of requests that end without reconciliation', () => {
  test('quota – a release with no usage to follow refunds the tokens at once', async () => {
    const keyId = 'key_no_usage';
    const requestId = randomUUID();
    await stack.admit({ keyId, limits: { tpm: 10_000 }, requestId, promptTokens: 100, maxTokens: 100 });
    expect(await tokensInWindow(keyId)).toBe(200);
    await stack.client.request(Release, { requestId, usageFollows: false });
    expect(await tokensInWindow(keyId)).toBe(0);
  });

  test('quota – a release whose usage event never comes is refunded after the grace period', async () => {
    const keyId = 'key_lost_event';
    const requestId = randomUUID();
    await stack.admit({ keyId, limits: { tpm: 10_000 }, requestId, promptTokens: 100, maxTokens: 100 });
    await stack.client.request(Release, { requestId, usageFollows: true });
    await sleep(GRACE_MS / 2);
    expect(await tokensInWindow(keyId)).toBe(200);
    await eventually(async () => (await tokensInWindow(keyId)) === 0, 3 * GRACE_MS);
  });

  test('quota – a request without a lease is admitted without one, and its reservation lapses after maxRequestMs', async () => {
    const keyId = 'key_unleased';
    const requestId = randomUUID();
    const reply = await stack.admit({ keyId, limits: { tpm: 10_000 }, requestId, promptTokens: 100, maxTokens: 100 });
    expect(reply).toMatchObject({ admitted: true, tokens: { remaining: 9800 } });
    expect(reply.leaseTtlMs).toBeUndefined();
    await sleep(MAX_REQUEST_MS - 500);
    expect(await tokensInWindow(keyId)).toBe(200);
    await eventually(async () => (await tokensInWindow(keyId)) === 0, 3 * MAX_REQUEST_MS);
  });

  test("quota – a dead proxy's lease lapses after its TTL, refunding the reservation; a late event is then charged in full", async () => {
    const keyId = 'key_dead_proxy';
    const requestId = randomUUID();
    await stack.admit({ keyId, limits: { tpm: 10_000, maxConcurrent: 5, dailyBudgetMicros: 1_000_000 }, requestId, promptTokens: 100, maxTokens: 100 });
    await eventually(async () => (await redis.exists(`aigw:q:req:${requestId}`)) === 0, 3 * LEASE_TTL_MS);
    expect(await tokensInWindow(keyId)).toBe(0);

    await stack.publishUsage({ id: requestId, keyId, promptTokens: 100, completionTokens: 40 });
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
    await eventually(async () => Number(await redis.get(`${keyScope(keyId)}:s:${day}`)) === 100 + 2 * 40);
  });

  test('quota – a usage event that arrives before the release frees the slot and settles the reservation', async () => {
    const keyId = 'key_event_first';
    const limits = { maxConcurrent: 1, tpm: 10_000 };
    const requestId = randomUUID();
    await stack.admit({ keyId, limits, requestId, promptTokens: 100, maxTokens: 100 });
    await stack.publishUsage({ id: requestId, keyId, promptTokens: 100, completionTokens: 10 });
    await eventually(async () => (await tokensInWindow(keyId)) === 110);
    expect((await stack.admit({ keyId, limits: { maxConcurrent: 1 } })).admitted).toBe(true);
    expect(await stack.client.request(Release, { requestId, usageFollows: true })).toEqual({ released: false });
  });
});
