import { upstreamErrorReply } from './client-error';

const error = { error: { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_error' } };

describe('upstreamErrorReply', () => {
  it('client error – keeps the upstream’s retry-after, in whole seconds', () => {
    expect(upstreamErrorReply({ status: 429, error, retryAfterMs: 1_500 })).toEqual({ status: 429, body: error, headers: { 'retry-after': '2' } });
  });

  it('client error – folds provider-specific statuses into the common ones', () => {
    expect(upstreamErrorReply({ status: 529, error }).status).toBe(503);
    expect(upstreamErrorReply({ status: 418, error }).status).toBe(400);
    expect(upstreamErrorReply({ status: 404, error })).toEqual({ status: 404, body: error, headers: {} });
  });
});
