import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeError } from './errors';

const fixture = (name: string) => readFileSync(join(__dirname, '__fixtures__', name));

describe('openai error normalisation', () => {
  it.each([
    ['error-invalid-api-key.json', 401],
    ['error-rate-limit.json', 429],
    ['error-model-not-found.json', 404],
    ['error-server.json', 500],
  ])('openai errors – keeps OpenAI’s own error body %s as it is', (name, status) => {
    expect(normalizeError(status, fixture(name))).toEqual(JSON.parse(fixture(name).toString()));
  });

  it('openai errors – turns an HTML page into a message naming the status, not the page', () => {
    expect(normalizeError(502, fixture('error-bad-gateway.html'))).toEqual({
      error: { message: 'The upstream provider answered HTTP 502 Bad Gateway.', type: 'server_error', param: null, code: null },
    });
  });

  it('openai errors – keeps the text of a plain {"error": "..."} body', () => {
    expect(normalizeError(400, Buffer.from('{"error":"messages must not be empty"}'))).toEqual({
      error: { message: 'messages must not be empty', type: 'invalid_request_error', param: null, code: null },
    });
  });

  it('openai errors – fills missing fields from the status', () => {
    expect(normalizeError(429, Buffer.from('{"error":{"message":"slow down","code":429}}'))).toEqual({
      error: { message: 'slow down', type: 'requests', param: null, code: '429' },
    });
  });

  it('openai errors – answers an empty body with the status', () => {
    expect(normalizeError(503, Buffer.alloc(0)).error).toEqual({
      message: 'The upstream provider answered HTTP 503 Service Unavailable.',
      type: 'server_error',
      param: null,
      code: null,
    });
  });
});
