import { fixture } from '../../test/fixtures';
import { anthropicErrorBody, normalizeError } from './errors';

describe('anthropic errors', () => {
  it('anthropic errors – keeps the message and puts Anthropic’s type in the code', () => {
    expect(normalizeError(404, fixture('anthropic', 'error-not-found.json'))).toEqual({
      error: { message: 'The requested resource could not be found.', type: 'invalid_request_error', param: null, code: 'not_found_error' },
    });
    expect(normalizeError(529, fixture('anthropic', 'error-overloaded.json'))).toEqual({
      error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' },
    });
  });

  it('anthropic errors – answers a body that is not Anthropic’s with the status', () => {
    expect(normalizeError(502, Buffer.from('<html>bad gateway</html>')).error.message).toBe('The upstream provider answered HTTP 502 Bad Gateway.');
  });

  it.each([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [413, 'request_too_large'],
    [429, 'rate_limit_error'],
    [500, 'api_error'],
    [502, 'api_error'],
    [503, 'overloaded_error'],
    [504, 'timeout_error'],
  ])('anthropic errors – renders status %i for Messages clients with type %s', (status, type) => {
    const body = { error: { message: 'm', type: 'x', param: null, code: null } };
    expect(anthropicErrorBody(status, body)).toEqual({ type: 'error', error: { type, message: 'm' } });
  });
});
