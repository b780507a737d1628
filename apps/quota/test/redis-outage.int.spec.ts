import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { ErrorCode, GatewayError } from '@aigw/contracts';
import { keyScope } from '../src/redis/quota-store';
import { eventually, metricByLabel, readyStatus, startQuotaStack, type QuotaStack } from './harness';

/** Default failure policy: requests, tokens and concurrency fail open, budgets fail closed. */
let stack: QuotaStack;

beforeAll(async () => {
  stack = await startQuotaStack({ replicas: 1, quota: { defaults: { rpm: 10 } } });
});

afterAll(async () => {
  await stack?.close();
});

/** A key whose limits include a budget, so its decisions fail closed under the default policy. */
const budgeted = { dailyBudgetMicros: 1_000_000 };

test('quota – with Redis down, refuses a budgeted request at once (budgets fail closed) and recovers without a restart', async () => {
  const keyId = 'key_outage';
  const [replica] = stack.replicas;
  expect((await stack.admit({ keyId, limits: budgeted })).admitted).toBe(true);

  await stack.redis.stop();
  await eventually(async () => (await readyStatus(replica)) === 503);

  const started = Date.now();
  const failure = await stack.admit({ keyId, limits: budgeted }).catch((err: unknown) => err);
  const elapsed = Date.now() - started;
  expect(failure).toBeInstanceOf(GatewayError);
  expect(failure).toMatchObject({
    code: ErrorCode.ServiceUnavailable,
    message: 'The quota service cannot reach Redis.',
    details: { service: 'quota' },
  });
  expect(elapsed).toBeLessThan(500);

  await stack.redis.restart();
  await eventually(async () => (await stack.admit({ keyId, limits: budgeted }).catch(() => undefined))?.admitted === true);
  expect(await readyStatus(replica)).toBe(200);
});

test('quota – with Redis down, admits a request limited only in rate unchecked (fail open), counting it in a metric', async () => {
  const [replica] = stack.replicas;
  const before = await metricByLabel(replica, 'quota_fail_open_total', 'dimension');
  await stack.redis.stop();
  try {
    await eventually(async () => (await readyStatus(replica)) === 503);
    const started = Date.now();
    const replies = await Promise.all(Array.from({ length: 15 }, () => stack.admit({ keyId: 'key_open', limits: { rpm: 10, tpm: 500 } })));
    expect(Date.now() - started).toBeLessThan(1000);
    // Nothing is counted while Redis is gone: all 15 pass a limit of 10, and the windows report no use.
    expect(replies.every((r) => r.admitted && r.leaseTtlMs === undefined)).toBe(true);
    expect(replies[0]).toMatchObject({ requests: { limit: 10, remaining: 10 }, tokens: { limit: 500, remaining: 500 } });
    const after = await metricByLabel(replica, 'quota_fail_open_total', 'dimension');
    expect((after.requests ?? 0) - (before.requests ?? 0)).toBe(15);
    expect((after.tokens ?? 0) - (before.tokens ?? 0)).toBe(15);
    expect((await metricByLabel(replica, 'quota_decisions_total', 'result')).unchecked).toBeGreaterThanOrEqual(15);
  } finally {
    await stack.redis.restart();
  }
  // Counted again: a request limited in concurrency gets its lease back.
  const counted = async () => (await stack.admit({ keyId: 'key_open', limits: { maxConcurrent: 100 } }).catch(() => undefined))?.leaseTtlMs !== undefined;
  await eventually(counted);
});

test('quota – fails closed within well under a second when Redis hangs without closing the connection', async () => {
  const keyId = 'key_hung';
  const [replica] = stack.replicas;
  await eventually(async () => (await stack.admit({ keyId, limits: budgeted }).catch(() => undefined))?.admitted === true);

  stack.redis.process.kill('SIGSTOP');
  try {
    const started = Date.now();
    const failure = await stack.admit({ keyId, limits: budgeted }).catch((err: unknown) => err);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(failure).toMatchObject({ code: ErrorCode.ServiceUnavailable, message: 'The quota service cannot reach Redis.' });
  } finally {
    stack.redis.process.kill('SIGCONT');
  }
  await eventually(async () => (await stack.admit({ keyId, limits: budgeted }).catch(() => undefined))?.admitted === true);
  expect(await readyStatus(replica)).toBe(200);
});

test('quota – an admission that timed out while Redis hung leaves no reservation once Redis resumes: the budget is usable at once', async () => {
  const keyId = 'key_phantom';
  // Worst case 100 + 2 × 100 = 300 micro-units a request, against 500: one reservation left behind would refuse the next.
  const ask = { keyId, limits: { dailyBudgetMicros: 500 }, promptTokens: 100, maxTokens: 100 };
  await eventually(async () => (await stack.admit({ keyId: 'key_warm', limits: budgeted }).catch(() => undefined))?.admitted === true);
  const redis = new Redis(stack.redis.url);
  const spend = async () => Number((await redis.get(`${keyScope(keyId)}:s:${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`)) ?? 0);
  try {
    stack.redis.process.kill('SIGSTOP');
    try {
      const failure = await stack.admit(ask).catch((err: unknown) => err);
      expect(failure).toMatchObject({ code: ErrorCode.ServiceUnavailable });
      // Long enough for the script to sit in Redis's socket buffer, as in a real hang.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    } finally {
      stack.redis.process.kill('SIGCONT');
    }
    await eventually(async () => (await spend()) === 0);
    const next = await stack.admit(ask);
    expect(next.admitted).toBe(true);
    expect(await spend()).toBe(300);
  } finally {
    await redis.quit();
  }
});

test('quota – usage events that fail on Redis are handed back and each reconciled once when it returns', async () => {
  const [replica] = stack.replicas;
  const events = async () => metricByLabel(replica, 'quota_usage_events_total', 'result');
  const before = await events();
  await stack.redis.stop();
  try {
    await eventually(async () => (await readyStatus(replica)) === 503);
    for (let i = 0; i < 5; i++) await stack.publishUsage({ id: randomUUID(), keyId: 'key_usage_outage', promptTokens: 10, completionTokens: 10 });
    await eventually(async () => ((await events()).retried ?? 0) >= (before.retried ?? 0) + 5);
  } finally {
    await stack.redis.restart();
  }
  await eventually(async () => ((await events()).charged ?? 0) === (before.charged ?? 0) + 5);
  expect((await events()).duplicate ?? 0).toBe(before.duplicate ?? 0);
});
