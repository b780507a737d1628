import type { Deployment } from '@aigw/contracts';
import { backoffDelay, DEFAULT_RESILIENCE, RetrySchedule, type ResiliencePolicy } from './retry-schedule';

const dep = (id: string): Deployment => ({ id, provider: 'p', kind: 'openai', baseUrl: 'http://127.0.0.1:1/v1', model: id });
const [a, b] = [dep('a'), dep('b')];
const policy = (over: Partial<ResiliencePolicy> = {}): ResiliencePolicy => ({ ...DEFAULT_RESILIENCE, backoffBaseMs: 20, backoffMaxMs: 200, ...over });

async function drain(schedule: RetrySchedule, fail: (d: Deployment) => [Parameters<RetrySchedule['failed']>[1], number?]) {
  const tried: Array<[string, number]> = [];
  const start = performance.now();
  for (let d = await schedule.next(); d; d = await schedule.next()) {
    tried.push([d.id, Math.round(performance.now() - start)]);
    const [outcome, retryAfterMs] = fail(d);
    schedule.failed(d, outcome, retryAfterMs);
  }
  return tried;
}

describe('retry schedule', () => {
  it('retry – tries every candidate at once, then goes back to the transient failures after a backoff, within the budget', async () => {
    const tried = await drain(new RetrySchedule([a, b], policy({ maxAttempts: 4 }), new AbortController().signal, { random: () => 1 }), () => ['server_error']);
    expect(tried.map(([id]) => id)).toEqual(['a', 'b', 'a', 'b']);
    expect(tried[1]![1]).toBeLessThan(15);
    // Round 2 waits base × 2^0 = 20 ms with the jitter at its top.
    expect(tried[2]![1]).toBeGreaterThanOrEqual(18);
  });

  it('retry – never retries a credential or client failure, nor a missing credential', async () => {
    const tried = await drain(new RetrySchedule([a, b], policy({ maxAttempts: 5 }), new AbortController().signal), (d) => [d === a ? 'rejected' : 'no_credential']);
    expect(tried.map(([id]) => id)).toEqual(['a', 'b']);
  });

  it('retry – waits at least a 429\'s retry-after, and gives up on one longer than the longest backoff', async () => {
    const waited = await drain(new RetrySchedule([a], policy({ maxAttempts: 2 }), new AbortController().signal, { random: () => 0 }), () => ['rate_limited', 80]);
    expect(waited[1]![1]).toBeGreaterThanOrEqual(75);
    const gaveUp = await drain(new RetrySchedule([a], policy({ maxAttempts: 2 }), new AbortController().signal), () => ['rate_limited', 5_000]);
    expect(gaveUp).toHaveLength(1);
  });

  it('retry – starts no attempt whose backoff would end past the request deadline', async () => {
    const tried = await drain(new RetrySchedule([a], policy({ maxAttempts: 10, totalMs: 50, backoffBaseMs: 100, backoffMaxMs: 100 }), new AbortController().signal, { random: () => 1 }), () => ['timeout']);
    expect(tried).toHaveLength(1);
  });

  it('retry – stops waiting at once when the client goes away', async () => {
    const abort = new AbortController();
    const schedule = new RetrySchedule([a], policy({ backoffBaseMs: 5_000, backoffMaxMs: 5_000 }), abort.signal, { random: () => 1 });
    schedule.failed((await schedule.next())!, 'server_error');
    const started = performance.now();
    const next = schedule.next();
    abort.abort();
    await expect(next).resolves.toBeUndefined();
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('backoff – grows exponentially up to the maximum, jittered over the whole range', () => {
    const p = policy({ backoffBaseMs: 100, backoffMaxMs: 1_000 });
    expect([1, 2, 3, 4, 5].map((round) => backoffDelay(round, p, () => 0.999_999))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelay(3, p, () => 0)).toBe(0);
  });
});
