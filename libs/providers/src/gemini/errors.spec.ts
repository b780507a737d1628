import { fixture } from '../../test/fixtures';
import { normalizeError } from './errors';

describe('gemini errors', () => {
  it('gemini errors – keeps the message and maps Google’s status to a code', () => {
    expect(normalizeError(400, fixture('gemini', 'error-api-key.json'))).toEqual({
      error: { message: 'API key not valid. Please pass a valid API key.', type: 'invalid_request_error', param: null, code: 'invalid_argument' },
    });
    expect(normalizeError(429, fixture('gemini', 'error-quota.json'))).toEqual({
      error: { message: 'You exceeded your current quota, please check your plan and billing details.', type: 'requests', param: null, code: 'rate_limit_exceeded' },
    });
  });

  it('gemini errors – answers an empty body with the status', () => {
    expect(normalizeError(503, Buffer.alloc(0))).toEqual({
      error: { message: 'The upstream provider answered HTTP 503 Service Unavailable.', type: 'server_error', param: null, code: null },
    });
  });
});
