import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Release, Subjects, type AdmitResponse } from '@aigw/contracts';
import { keyScope, tenantScope } from '../src/redis/quota-store';
import { eventually, metricByLabel, startQuotaStack, type QuotaStack } from './harness';

/**
 * Prices of the test upstreams, micro-units per token: gpt-4o-mini (deployment `mini`) 1 in, 2 out;
 * gpt-4o is served by `big` (10 in, 30 out) or `big-alt` (5 in, 40 out).
 */
const miniCost = (prompt: number, completion: number) => prompt + 2 * completion;

let stack: QuotaStack;
let redis: Redis;

beforeAll(async () => {
  stack = await startQuotaStack({ replicas: 2, quota: { defaults: { rpm: 100_000 }, defaultMaxTokens: 100 } });
  redis = new Redis(stack.redis.url);
});

afterAll(async () => {
  await redis?.quit();
  await stack?.close();
});

/** UTC day and month of now, as the spend counters name them (the tests do not run across midnight). */
function periods(): { day: string; month: string } {
  const iso = new Date().toISOString();
  return { day: iso.slice(0, 10).replaceAll('-', ''), month: iso.slice(0, 7).replace('-', '') };
}

const tokensInWindow = async (scope: string) => Number((await redis.get(`${scope}:ms`)) ?? 0);
const spendToday = async (scope: string) => Number((await redis.get(`${scope}:s:${periods().day}`)) ?? 0);
const spendThisMonth = async (scope: string) => Number((await redis.get(`${scope}:s:${periods().month}`)) ?? 0);

/** Usage events with one of `results` over all replicas so far. */
async function usageEvents(...results: string[]): Promise<number> {
  let total = 0;
  for (const replica of stack.replicas) {
    const counts = await metricByLabel(replica, 'quota_usage_events_total', 'result');
    for (const result of results) total += counts[result] ?? 0;
  }
  return total;
}

/** Usage events reconciled (or charged) by all replicas so far. */
const settledEvents = () => usageEvents('reconciled', 'charged');

describe('quota – tokens per minute', () => {
  test('quota – reserves max_tokens for each of the n completions a request asks for', async () => {
    const keyId = 'key_tpm_n';
    const limits = { tpm: 2000 };
    const one = await stack.admit({ keyId, limits, promptTokens: 10, maxTokens: 100 });
    expect(one.tokens?.remaining).toBe(2000 - 110);
    const four = await stack.admit({ keyId, limits, promptTokens: 10, maxTokens: 100, choices: 4 });
    expect(four.tokens?.remaining).toBe(2000 - 110 - 410);
    // Without max_tokens, the default (100) is reserved per completion: 10 + 100 × 128 is over what is left.
    const many = await stack.admit({ keyId, limits, promptTokens: 10, choices: 128 });
    expect(many).toMatchObject({ admitted: false, limit: 'tokens' });
  });

  test('quota – reserves prompt + max_tokens and refuses the request that would pass the limit, naming tokens', async () => {
    const keyId = 'key_tpm';
    const limits = { tpm: 1000 };
    const replies: AdmitResponse[] = [];
    for (let i = 0; i < 4; i++) replies.push(await stack.admit({ keyId, limits, promptTokens: 100, maxTokens: 200 }));
    expect(replies.map((r) => r.admitted)).toEqual([true, true, true, false]);
    expect(replies.map((r) => r.tokens?.remaining)).toEqual([700, 400, 100, 100]);
    const refused = replies[3];
    expect(refused).toMatchObject({ limit: 'tokens', tokens: { limit: 1000, remaining: 100 } });
    expect(refused.reason).toMatch(/^Rate limit reached for tokens per minute on key key_tpm: limit 1000, used 900, requested 300\. Try again in \d+s\.$/);
    // Room for 300 more comes when the first reservation leaves the window, a minute after it was made.
    expect(refused.tokens!.resetMs).toBeGreaterThan(55_000);
    expect(refused.retryAfterS).toBe(Math.ceil(refused.tokens!.resetMs / 1000));
    expect(await tokensInWindow(keyScope(keyId))).toBe(900);
  });

  test('quota – reserves the configured default when the request sets no max_tokens, and says when one can never fit', async () => {
    const keyId = 'key_default_max';
    const first = await stack.admit({ keyId, limits: { tpm: 500 }, promptTokens: 50 });
    expect(first.tokens).toMatchObject({ limit: 500, remaining: 350 });
    const huge = await stack.admit({ keyId, limits: { tpm: 500 }, promptTokens: 50, maxTokens: 1000 });
    expect(huge).toMatchObject({ admitted: false, limit: 'tokens' });
    expect(huge.reason).toMatch(/Request too large for tokens per minute on key key_default_max: limit 500, requested 1050/);
  });

  test('quota – reconciliation refunds unused tokens and charges an overrun, once per event', async () => {
    const keyId = 'key_reconcile';
    const limits = { tpm: 1000 };
    const a = randomUUID();
    const b = randomUUID();
    await stack.admit({ keyId, limits, requestId: a, promptTokens: 100, maxTokens: 300 });
    await stack.admit({ keyId, limits, requestId: b, promptTokens: 100 });
    expect(await tokensInWindow(keyScope(keyId))).toBe(600);

    const before = await settledEvents();
    await stack.publishUsage({ id: a, keyId, promptTokens: 100, completionTokens: 20 });
    await stack.publishUsage({ id: b, keyId, promptTokens: 100, completionTokens: 450 });
    await stack.publishUsage({ id: a, keyId, promptTokens: 100, completionTokens: 20 });
    await eventually(async () => (await settledEvents()) === before + 2);
    expect(await tokensInWindow(keyScope(keyId))).toBe(120 + 550);
    expect(await redis.hgetall(`${keyScope(keyId)}:mt`)).toEqual({ [a]: '120', [b]: '550' });

    const next = await stack.admit({ keyId, limits, promptTokens: 100, maxTokens: 200 });
    expect(next).toMatchObject({ admitted: true, tokens: { remaining: 1000 - 670 - 300 } });
  });
});

describe('quota – budgets', () => {
  test('quota – admits only while the worst-case cost fits, at the dearest deployment of the alias', async () => {
    const keyId = 'key_budget';
    // gpt-4o worst case for 100 prompt + 100 completion: max(100×10 + 100×30, 100×5 + 100×40) = 4500.
    const limits = { dailyBudgetMicros: 10_000 };
    const replies: AdmitResponse[] = [];
    for (let i = 0; i < 3; i++) replies.push(await stack.admit({ keyId, tenantId: 'tenant_b', model: 'gpt-4o', limits, promptTokens: 100, maxTokens: 100 }));
    expect(replies.map((r) => r.admitted)).toEqual([true, true, false]);
    expect(replies[2]).toMatchObject({ limit: 'budget' });
    expect(replies[2].reason).toMatch(
      /^Daily budget exhausted on key key_budget: budget 0\.010000 USD, spent 0\.009000 USD, this request may cost up to 0\.004500 USD\. The budget resets in \S+\.$/,
    );
    // Retry when the UTC day ends.
    const msToMidnight = 86_400_000 - (Date.now() % 86_400_000);
    expect(replies[2].retryAfterS).toBeGreaterThanOrEqual(Math.floor(msToMidnight / 1000) - 5);
    expect(replies[2].retryAfterS).toBeLessThanOrEqual(Math.ceil(msToMidnight / 1000) + 5);
    expect(await spendToday(keyScope(keyId))).toBe(9000);
    // Spend is kept only where a budget needs it: not the month, not the tenant.
    expect(await redis.exists(`${keyScope(keyId)}:s:${periods().month}`, `${tenantScope('tenant_b')}:s:${periods().day}`)).toBe(0);
  });

  test('quota – a tenant budget holds across its keys, and spend after reconciliation is the billed cost', async () => {
    const tenantId = 'tenant_shared';
    const tenantLimits = { monthlyBudgetMicros: 2000 };
    const admitted: string[] = [];
    for (const keyId of ['key_s1', 'key_s2', 'key_s1', 'key_s2']) {
      const requestId = randomUUID();
      const reply = await stack.admit({ keyId, tenantId, tenantLimits, requestId, promptTokens: 100, maxTokens: 200 });
      if (reply.admitted) admitted.push(`${keyId}/${requestId}`);
      else expect(reply.reason).toMatch(/^Monthly budget exhausted on tenant tenant_shared: budget 0\.002000 USD/);
    }
    // Worst case on gpt-4o-mini: 100 + 2 × 200 = 500, so 4 fit in 2000; the fifth does not.
    expect(admitted).toHaveLength(4);
    expect((await stack.admit({ keyId: 'key_s1', tenantId, tenantLimits, promptTokens: 100, maxTokens: 200 })).limit).toBe('budget');

    const before = await settledEvents();
    for (const entry of admitted) {
      const [keyId, id] = entry.split('/');
      await stack.publishUsage({ id, keyId, tenantId, promptTokens: 100, completionTokens: 50 });
    }
    await eventually(async () => (await settledEvents()) === before + 4);
    expect(await spendThisMonth(tenantScope(tenantId))).toBe(4 * miniCost(100, 50));
    expect((await stack.admit({ keyId: 'key_s2', tenantId, tenantLimits, promptTokens: 100, maxTokens: 200 })).admitted).toBe(true);
  });

  test('quota – an event for a request it never reserved (admitted unchecked) is charged in full to the budgets kept', async () => {
    const keyId = 'key_unreserved';
    const tenantId = 'tenant_u';
    const reserved = randomUUID();
    await stack.admit({ keyId, tenantId, requestId: reserved, limits: { dailyBudgetMicros: 1_000_000 }, tenantLimits: { monthlyBudgetMicros: 1_000_000 }, promptTokens: 10, maxTokens: 10 });
    const before = await settledEvents();
    await stack.publishUsage({ id: reserved, keyId, tenantId, promptTokens: 10, completionTokens: 10 });
    await stack.publishUsage({ id: randomUUID(), keyId, tenantId, promptTokens: 1000, completionTokens: 500 });
    await eventually(async () => (await settledEvents()) === before + 2);
    expect(await spendToday(keyScope(keyId))).toBe(miniCost(10, 10) + miniCost(1000, 500));
    expect(await spendThisMonth(tenantScope(tenantId))).toBe(miniCost(10, 10) + miniCost(1000, 500));
  });

  test('quota – an event that does not match UsageRecorded is terminated, and the events around it are still reconciled', async () => {
    const keyId = 'key_batched_invalid';
    const before = { settled: await settledEvents(), invalid: await usageEvents('invalid') };
    await stack.js.publish(Subjects.usageRecorded, JSON.stringify({ v: 1, id: 'not-an-event' }), { msgID: randomUUID() });
    await stack.publishUsage({ id: randomUUID(), keyId, promptTokens: 10, completionTokens: 10 });
    await eventually(async () => (await settledEvents()) === before.settled + 1 && (await usageEvents('invalid')) === before.invalid + 1);
  });
});

describe('quota – 200 concurrent streaming requests', () => {
  test('quota – never pass tokens per minute or the budget by more than the overrun of reconciled requests, and end equal to the events', async () => {
    const tenantId = 'tenant_streams';
    const budget = { dailyBudgetMicros: 1_000_000 };
    const tenantLimits = { dailyBudgetMicros: 10_000_000 };

    // A burst with nothing reconciled yet: 200 reservations of 200 tokens against 20 000, exactly 100 fit.
    const burstScope = keyScope('key_burst');
    const burst = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const requestId = `burst-${i}`;
        const ask = { keyId: 'key_burst', tenantId, tenantLimits, limits: { tpm: 20_000, ...budget }, requestId, promptTokens: 50, maxTokens: 150 };
        return stack.admit(ask, stack.clients[i % 2]).then((reply) => ({ requestId, reply }));
      }),
    );
    const admittedBurst = burst.filter((b) => b.reply.admitted).map((b) => b.requestId);
    expect(admittedBurst).toHaveLength(100);
    expect(await tokensInWindow(burstScope)).toBe(20_000);

    // While the burst's streams end, 200 more streams of up to 400 ms start within 200 ms on another key, so
    // that reservations in flight fill the window and some streams must wait for others. Half set no
    // max_tokens: they reserve the default (100) and overrun it by up to 150 tokens, charged on reconciliation.
    // Completions are fixed per stream so that the limit can sit between what they use (28 546 tokens, all
    // fitting in the minute) and what they reserve (35 000): streams in flight crowd each other out.
    // The same goes for the daily budget: they cost 47 092 micro-units and reserve 60 000 at worst case.
    const completionOf = (i: number) => (i % 2 === 0 ? i % 151 : (i * 7) % 251);
    const keyId = 'key_streams';
    const tpm = 28_546 + 300;
    const dailyBudgetMicros = 47_092 + 400;
    const scope = keyScope(keyId);
    const events: { id: string; keyId: string; tokens: number; cost: number }[] = [];
    let overrun = { tokens: 0, cost: 0 };
    let worstExcess = { tokens: -Infinity, cost: -Infinity };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [tokens, cost] = await Promise.all([tokensInWindow(scope), spendToday(scope)]);
        worstExcess = {
          tokens: Math.max(worstExcess.tokens, tokens - tpm - overrun.tokens),
          cost: Math.max(worstExcess.cost, cost - dailyBudgetMicros - overrun.cost),
        };
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    const finish = async (id: string, eventKeyId: string, maxTokens: number, completion: number, client = stack.client) => {
      await new Promise((r) => setTimeout(r, Math.random() * 400));
      const tokens = 50 + completion;
      const cost = miniCost(50, completion);
      if (eventKeyId === keyId) {
        overrun = {
          tokens: overrun.tokens + Math.max(0, completion - maxTokens),
          cost: overrun.cost + Math.max(0, cost - miniCost(50, maxTokens)),
        };
      }
      events.push({ id, keyId: eventKeyId, tokens, cost });
      await stack.publishUsage({ id, keyId: eventKeyId, tenantId, promptTokens: 50, completionTokens: completion });
      client.notify(Release, { requestId: id, usageFollows: true });
    };
    let refusals = 0;
    const streams = Array.from({ length: 200 }, async (_, i) => {
      const id = `stream-${i}`;
      const client = stack.clients[i % 2];
      const capped = i % 2 === 0;
      await new Promise((r) => setTimeout(r, Math.random() * 200));
      const ask = { keyId, tenantId, tenantLimits, limits: { tpm, dailyBudgetMicros }, requestId: id, promptTokens: 50, ...(capped ? { maxTokens: 150 } : {}) };
      // A refused client retries every 20 ms (ignoring retry-after: the worst case for the limit).
      while (!(await stack.admit(ask, client)).admitted) {
        refusals += 1;
        await new Promise((r) => setTimeout(r, 20));
      }
      await finish(id, keyId, capped ? 150 : 100, completionOf(i), client);
    });
    try {
      await Promise.all([...admittedBurst.map((id) => finish(id, 'key_burst', 150, Math.floor(Math.random() * 151))), ...streams]);
      await eventually(async () => (await redis.exists(...events.map((e) => `aigw:q:req:${e.id}`))) === 0, 10_000);
    } finally {
      sampling = false;
      await sampler;
    }

    expect(events).toHaveLength(300);
    expect(worstExcess.tokens).toBeLessThanOrEqual(0);
    expect(worstExcess.cost).toBeLessThanOrEqual(0);
    const sum = (of: string | undefined, pick: (e: (typeof events)[number]) => number) =>
      events.filter((e) => of === undefined || e.keyId === of).reduce((acc, e) => acc + pick(e), 0);
    expect(await tokensInWindow(scope)).toBe(sum(keyId, (e) => e.tokens));
    expect(await tokensInWindow(burstScope)).toBe(sum('key_burst', (e) => e.tokens));
    expect(await spendToday(scope)).toBe(sum(keyId, (e) => e.cost));
    expect(await spendToday(tenantScope(tenantId))).toBe(sum(undefined, (e) => e.cost));
    expect((await redis.zmscore('aigw:q:live', ...events.map((e) => e.id))).every((score) => score === null)).toBe(true);
    // The bound above only means something if streams did crowd each other out and did overrun.
    expect(refusals).toBeGreaterThan(0);
    expect(overrun.tokens).toBeGreaterThan(0);
    expect(overrun.cost).toBeGreaterThan(0);
  }, 30_000);
});
