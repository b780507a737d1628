import { formatWait, refusalReason, retryAfterSeconds, toAdmitResponse } from './admit-reply';
import { Refusal } from './redis/admission-script';
import type { AdmissionRefusal } from './redis/quota-store';

const ctx = { scopeNames: ['key key_a', 'tenant acme', 'key key_a for model gpt-4o'], currency: 'USD', leaseTtlMs: 30_000 };
const requests = { limit: 10, remaining: 0, resetMs: 11_200 };
const refusal = (kind: AdmissionRefusal['kind'], over: Partial<AdmissionRefusal> = {}): AdmissionRefusal => ({
  kind,
  scope: 0,
  limit: 10,
  used: 10,
  asked: 1,
  retryAfterMs: 11_200,
  ...over,
});

describe('admit reply', () => {
  test('retry-after – rounds up to whole seconds so that a retry then finds room', () => {
    expect(retryAfterSeconds(1000)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
    expect(retryAfterSeconds(11_200)).toBe(12);
    expect(retryAfterSeconds(60_000)).toBe(60);
  });

  test('retry-after – is at least 1 second, never an invitation to retry at once', () => {
    expect(retryAfterSeconds(0)).toBe(1);
    expect(retryAfterSeconds(1)).toBe(1);
  });

  test('wait – seconds below two minutes, then minutes, then hours, then days, rounded up as a whole', () => {
    expect(formatWait(12)).toBe('12s');
    expect(formatWait(119)).toBe('119s');
    expect(formatWait(250)).toBe('4m10s');
    expect(formatWait(300)).toBe('5m');
    expect(formatWait(3 * 3600 + 11 * 60 + 5)).toBe('3h12m');
    expect(formatWait(7200)).toBe('2h');
    expect(formatWait(2 * 3600 + 59 * 60 + 30)).toBe('3h');
    expect(formatWait(3 * 3600 - 1)).toBe('3h');
    expect(formatWait(47 * 3600 + 1)).toBe('47h1m');
    expect(formatWait(12 * 86_400 + 4 * 3600 + 1)).toBe('12d5h');
    expect(formatWait(3 * 86_400)).toBe('3d');
  });

  test('reason – requests per minute names the scope, the limit, the use and the wait', () => {
    expect(refusalReason(refusal(Refusal.RequestsPerMinute), 'key key_a', 12, 'USD')).toBe(
      'Rate limit reached for requests per minute on key key_a: limit 10, used 10. Try again in 12s.',
    );
  });

  test('reason – requests per day and concurrency name their limit', () => {
    expect(refusalReason(refusal(Refusal.RequestsPerDay, { limit: 1000, used: 1000 }), 'tenant acme', 3 * 3600, 'USD')).toBe(
      'Rate limit reached for requests per day on tenant acme: limit 1000, used 1000. Try again in 3h.',
    );
    expect(refusalReason(refusal(Refusal.Concurrency, { limit: 2, used: 2 }), 'key key_a', 1, 'USD')).toBe(
      'Too many concurrent requests on key key_a: limit 2, in flight 2. Try again in 1s.',
    );
  });

  test('reason – tokens per minute says what was asked, and a request larger than the limit says what to change', () => {
    const busy = refusal(Refusal.TokensPerMinute, { limit: 10_000, used: 9500, asked: 1200 });
    expect(refusalReason(busy, 'key key_a for model gpt-4o', 7, 'USD')).toBe(
      'Rate limit reached for tokens per minute on key key_a for model gpt-4o: limit 10000, used 9500, requested 1200. Try again in 7s.',
    );
    const huge = refusal(Refusal.TokensPerMinute, { limit: 10_000, used: 0, asked: 12_000 });
    expect(refusalReason(huge, 'key key_a', 60, 'USD')).toBe(
      'Request too large for tokens per minute on key key_a: limit 10000, requested 12000 (prompt and max_tokens). ' +
        'Send a shorter prompt or a lower max_tokens.',
    );
  });

  test('reason – a budget names the period and the money in the price currency, never floats', () => {
    const daily = refusal(Refusal.DailyBudget, { limit: 5_000_000, used: 4_999_000, asked: 10_000 });
    expect(refusalReason(daily, 'tenant acme', 11_520, 'USD')).toBe(
      'Daily budget exhausted on tenant acme: budget 5.000000 USD, spent 4.999000 USD, this request may cost up to 0.010000 USD. ' +
        'The budget resets in 3h12m.',
    );
    expect(refusalReason(refusal(Refusal.MonthlyBudget, { limit: 100, used: 99, asked: 3 }), 'key key_a', 86_400, 'EUR')).toMatch(
      /^Monthly budget exhausted on key key_a: budget 0\.000100 EUR, spent 0\.000099 EUR, this request may cost up to 0\.000003 EUR\. The budget resets in 24h\.$/,
    );
  });

  test('refused – a request whose worst-case cost is over the whole budget is told what to change, with no retry-after', () => {
    const huge = refusal(Refusal.DailyBudget, { limit: 10_000, used: 0, asked: 25_000, retryAfterMs: 3_600_000 });
    const reply = toAdmitResponse({ admitted: false, leased: false, repeated: false, nowMs: 0, requests, refusal: huge }, requests, ctx);
    expect(reply).toMatchObject({ admitted: false, limit: 'budget', tooLarge: true });
    expect(reply.retryAfterS).toBeUndefined();
    expect(reply.reason).toBe(
      'This request may cost up to 0.025000 USD, more than the whole daily budget of 0.010000 USD on key key_a: ' +
        'no retry can succeed. Lower max_tokens or send a shorter prompt.',
    );
  });

  test('admitted – reports the windows, and the lease to renew when the request holds a concurrency slot', () => {
    const tokens = { limit: 1000, remaining: 700, resetMs: 60_000 };
    const leased = toAdmitResponse({ admitted: true, leased: true, repeated: false, nowMs: 0, requests, tokens }, requests, ctx);
    expect(leased).toEqual({ admitted: true, requests, tokens, leaseTtlMs: 30_000 });
    const unleased = toAdmitResponse({ admitted: true, leased: false, repeated: false, nowMs: 0, requests }, requests, ctx);
    expect(unleased).toEqual({ admitted: true, requests });
  });

  test('refused – names the kind of limit and the refusing scope, with a retry-after', () => {
    const result = { admitted: false as const, leased: false, repeated: false, nowMs: 0, requests, refusal: refusal(Refusal.DailyBudget, { scope: 1, retryAfterMs: 60_500 }) };
    const reply = toAdmitResponse(result, requests, ctx);
    expect(reply).toMatchObject({ admitted: false, requests, limit: 'budget', retryAfterS: 61 });
    expect(reply.reason).toMatch(/^Daily budget exhausted on tenant acme:/);
    expect(reply.leaseTtlMs).toBeUndefined();
    expect(reply.tokens).toBeUndefined();
  });
});
