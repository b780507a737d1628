import { clientFormats, formatOfOperation } from './formats';
import { clientStatus } from './upstream-status';

const error = { error: { message: 'Slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } };

describe('client formats', () => {
  it('formats – each client API has its format', () => {
    expect(formatOfOperation).toEqual({ chat: 'openai', embeddings: 'openai', responses: 'openai', messages: 'anthropic' });
  });

  it('formats – OpenAI clients get OpenAI’s error object, in a body and as a final stream event', () => {
    expect(clientFormats.openai.errorBody(429, error)).toBe(error);
    expect(clientFormats.openai.streamError(502, error)).toBe(`data: ${JSON.stringify(error)}\n\n`);
  });

  it('formats – Messages clients get Anthropic’s error shape, in a body and as an error event', () => {
    expect(clientFormats.anthropic.errorBody(429, error)).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'Slow down' } });
    expect(clientFormats.anthropic.streamError(502, error)).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"Slow down"}}\n\n',
    );
  });

  it.each([
    [400, 400],
    [404, 404],
    [422, 422],
    [429, 429],
    [409, 400],
    [402, 503],
    [529, 503],
    [501, 502],
    [504, 504],
  ])('upstream status – %i reaches the client as %i', (upstream, client) => {
    expect(clientStatus(upstream)).toBe(client);
  });
});
