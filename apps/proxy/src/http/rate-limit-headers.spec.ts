import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { LimitState } from '@aigw/contracts';
import { formatResetDuration, setRateLimitHeaders } from './rate-limit-headers';

describe('formatResetDuration', () => {
  it.each([
    [0, '0s'],
    [120, '120ms'],
    [999, '999ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [17_250, '17.25s'],
    [60_000, '1m0s'],
    [360_000, '6m0s'],
    [90_500, '1m30.5s'],
    [3_723_000, '1h2m3s'],
    [3_600_000, '1h0m0s'],
  ])('rate-limit headers – writes %i ms as %s, like OpenAI', (ms, text) => {
    expect(formatResetDuration(ms)).toBe(text);
  });
});

describe('setRateLimitHeaders', () => {
  const headersOf = (requests: LimitState, tokens?: LimitState) => {
    const res = new ServerResponse(new IncomingMessage(new Socket()));
    setRateLimitHeaders(res, requests, tokens);
    return res.getHeaders();
  };

  it('rate-limit headers – sets the tokens headers only when a tokens-per-minute limit applies', () => {
    const requests = { limit: 600, remaining: 599, resetMs: 100 };
    expect(headersOf(requests)).toEqual({
      'x-ratelimit-limit-requests': '600',
      'x-ratelimit-remaining-requests': '599',
      'x-ratelimit-reset-requests': '100ms',
    });
    expect(headersOf(requests, { limit: 40_000, remaining: 38_800, resetMs: 1500 })).toMatchObject({
      'x-ratelimit-limit-tokens': '40000',
      'x-ratelimit-remaining-tokens': '38800',
      'x-ratelimit-reset-tokens': '1.5s',
    });
  });
});
