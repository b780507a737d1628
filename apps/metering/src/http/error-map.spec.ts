import {
  ErrorCode,
  GatewayError,
  InvalidApiKeyError,
  InvalidRequestError,
  PermissionDeniedError,
  ServiceUnavailableError,
} from '@aigw/contracts';
import { toHttpError } from './error-map';

describe('error map', () => {
  it('error map – gives every error code a 4xx or 5xx status', () => {
    for (const code of Object.values(ErrorCode)) {
      const { status } = toHttpError(new GatewayError(code, 'x'));
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
    }
  });

  it('error map – renders OpenAI’s error shape with the parameter at fault', () => {
    expect(toHttpError(new InvalidRequestError('bad date', 'from'))).toEqual({
      status: 400,
      headers: {},
      body: { error: { message: 'bad date', type: 'invalid_request_error', param: 'from', code: 'invalid_request' } },
    });
  });

  it('error map – maps auth failures to 401 and 403', () => {
    expect(toHttpError(new InvalidApiKeyError()).status).toBe(401);
    expect(toHttpError(new PermissionDeniedError('no')).status).toBe(403);
  });

  it('error map – a missing dependency is a 503 with Retry-After, naming the dependency', () => {
    const reply = toHttpError(new ServiceUnavailableError('redis', 'The usage store (Redis) is not available.'));
    expect(reply.status).toBe(503);
    expect(reply.headers['retry-after']).toBe('1');
    expect(reply.body.error.message).toMatch(/Redis/);
  });

  it('error map – an untyped error is a 500 that does not leak its message', () => {
    const reply = toHttpError(new Error('connection string redis://user:secret@host'));
    expect(reply.status).toBe(500);
    expect(reply.body.error.message).not.toMatch(/secret/);
  });
});
