import { retryAfterSeconds, rpmRefusalReason, toAdmitResponse } from './admit-reply';

const WINDOW_MS = 60_000;
const NOW = 1_700_000_000_000;

describe('admit reply', () => {
  test('retry-after – rounds up to whole seconds so that a retry then finds room', () => {
    expect(retryAfterSeconds(1000)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
    expect(retryAfterSeconds(11_200)).toBe(12);
    expect(retryAfterSeconds(WINDOW_MS)).toBe(60);
  });

  test('retry-after – is at least 1 second, never an invitation to retry at once', () => {
    expect(retryAfterSeconds(0)).toBe(1);
    expect(retryAfterSeconds(1)).toBe(1);
  });

  test('reason – names the key id, the limit, the use and the wait', () => {
    expect(rpmRefusalReason('key_demo', 600, 600, 12)).toBe(
      'Rate limit reached for requests per minute on key key_demo: limit 600, used 600. Try again in 12s.',
    );
  });

  test('admitted – reports what is left and when the oldest request leaves the window', () => {
    const reply = toAdmitResponse('key_a', 10, WINDOW_MS, { admitted: true, count: 4, pivotMs: NOW - 15_000, nowMs: NOW });
    expect(reply).toEqual({ admitted: true, requests: { limit: 10, remaining: 6, resetMs: 45_000 } });
  });

  test('refused – waits until the pivot entry leaves the window, with a reason', () => {
    const reply = toAdmitResponse('key_a', 10, WINDOW_MS, { admitted: false, count: 10, pivotMs: NOW - 48_800, nowMs: NOW });
    expect(reply).toEqual({
      admitted: false,
      requests: { limit: 10, remaining: 0, resetMs: 11_200 },
      retryAfterS: 12,
      reason: 'Rate limit reached for requests per minute on key key_a: limit 10, used 10. Try again in 12s.',
    });
  });

  test('refused – over a lowered limit, remaining stays at 0 and the reason shows the real use', () => {
    const reply = toAdmitResponse('key_a', 5, WINDOW_MS, { admitted: false, count: 8, pivotMs: NOW - 30_000, nowMs: NOW });
    expect(reply.requests).toEqual({ limit: 5, remaining: 0, resetMs: 30_000 });
    expect(reply.reason).toContain('limit 5, used 8.');
  });

  test('refused – a pivot already due gives resetMs 0 and still a retry-after of 1', () => {
    const state = { admitted: false, count: 1, pivotMs: NOW - WINDOW_MS - 5, nowMs: NOW };
    const reply = toAdmitResponse('key_a', 1, WINDOW_MS, state);
    expect(reply.requests.resetMs).toBe(0);
    expect(reply.retryAfterS).toBe(1);
  });
});
