import {
  ErrorCode,
  GatewayError,
  InvalidApiKeyError,
  ModelNotFoundError,
  RateLimitError,
  ServiceUnavailableError,
  UpstreamTimeoutError,
} from '@aigw/contracts';
import { z } from 'zod';
import { INTERNAL_MESSAGE, toErrorReply } from './error-reply';

describe('error reply – one mapping for every HTTP edge', () => {
  it('error map – gives every error code a status and an OpenAI error type', () => {
    const hidden = new Set<string>([ErrorCode.Internal, ErrorCode.ContractViolation]);
    for (const code of Object.values(ErrorCode)) {
      const reply = toErrorReply(new GatewayError(code, 'm'));
      expect(reply.status).toBeGreaterThanOrEqual(400);
      const shown = hidden.has(code) ? { message: INTERNAL_MESSAGE, code: ErrorCode.Internal } : { message: 'm', code };
      expect(reply.body.error).toEqual({ ...shown, type: expect.any(String), param: null });
    }
  });

  it.each([
    [new InvalidApiKeyError(), 401],
    [new ModelNotFoundError('x'), 404],
    [new ServiceUnavailableError('quota', 'The quota service did not answer within 1000 ms.'), 503],
    [new UpstreamTimeoutError('slow'), 504],
  ])('error map – answers %s with HTTP %i', (err, status) => {
    expect(toErrorReply(err).status).toBe(status);
  });

  it('error map – names the parameter at fault', () => {
    expect(toErrorReply(new ModelNotFoundError('x')).body.error.param).toBe('model');
  });

  it('error map – a refused rate limit is 429 of type "requests" with retry-after', () => {
    const reply = toErrorReply(new RateLimitError('Rate limit reached: 10 requests per minute.', 7));
    expect(reply).toEqual({
      status: 429,
      body: { error: { message: 'Rate limit reached: 10 requests per minute.', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
      headers: { 'retry-after': '7' },
    });
  });

  it('error map – a quota refusal takes OpenAI’s type of the limit hit, and a spent budget is insufficient_quota', () => {
    expect(toErrorReply(new RateLimitError('tpm', 3, 'tokens')).body.error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' });
    expect(toErrorReply(new RateLimitError('conc', 1, 'concurrency')).body.error).toMatchObject({ type: 'requests' });
    const budget = toErrorReply(new RateLimitError('Daily budget exhausted on tenant acme', 3600, 'budget'));
    expect(budget).toEqual({
      status: 429,
      body: { error: { message: 'Daily budget exhausted on tenant acme', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } },
      headers: { 'retry-after': '3600' },
    });
  });

  it('error map – a broken contract between services is a 500 that names neither subject nor schema', () => {
    const reply = toErrorReply(new GatewayError(ErrorCode.ContractViolation, 'Invalid request to router.v1.route: features.maxTokens Too big'));
    expect(reply).toEqual({ status: 500, headers: {}, body: { error: { message: INTERNAL_MESSAGE, type: 'server_error', param: null, code: 'internal_error' } } });
  });

  it('error map – a service that is down is 503 with a retry-after of one second unless it names its own', () => {
    expect(toErrorReply(new ServiceUnavailableError('quota', 'down')).headers).toEqual({ 'retry-after': '1' });
  });

  it('error map – a zod issue names its field, express body-parser failures are bad JSON or too large', () => {
    const zodErr = z.object({ tenantId: z.string() }).safeParse({ tenantId: 4 }).error!;
    expect(toErrorReply(zodErr)).toMatchObject({ status: 400, body: { error: { param: 'tenantId', code: 'invalid_request' } } });
    expect(toErrorReply({ type: 'entity.parse.failed' })).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
    expect(toErrorReply({ type: 'entity.too.large', limit: 65536 })).toMatchObject({ status: 413, body: { error: { code: 'request_too_large' } } });
  });

  it('error map – a path whose percent-encoding is not UTF-8 (express’s decode failure) is a 400, not a 500', () => {
    const decodeFailure = Object.assign(new URIError("Failed to decode param '%ED%A0%80'"), { status: 400 });
    expect(toErrorReply(decodeFailure)).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', message: expect.stringMatching(/not UTF-8/) } } });
  });

  it('error map – an unclassified failure is a 500 that does not leak its message', () => {
    const reply = toErrorReply(new TypeError('cannot read properties of undefined (reading "secret")'));
    expect(reply.status).toBe(500);
    expect(reply.body.error.type).toBe('server_error');
    expect(reply.body.error.message).not.toContain('secret');
  });
});
