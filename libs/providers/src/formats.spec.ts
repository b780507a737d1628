import { clientFormatOf, clientFormats, formatOfOperation } from './formats';
import { clientStatus } from './upstream-status';

const error = { error: { message: 'Slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } };

describe('client formats', () => {
  it('formats – each client API has its format', () => {
    expect(formatOfOperation).toEqual({ chat: 'openai', embeddings: 'openai', responses: 'openai', messages: 'anthropic' });
  });

  it('formats – a request on a shared or unknown path is Anthropic’s when it sends anthropic-version or is under /v1/messages', () => {
    expect(clientFormatOf('/v1/models', undefined)).toBe('openai');
    expect(clientFormatOf('/v1/models', '2023-06-01')).toBe('anthropic');
    expect(clientFormatOf('/v1/messages/count_tokens', undefined)).toBe('anthropic');
    expect(clientFormatOf('/v1/nope', undefined)).toBe('openai');
  });

  it('formats – each API’s model object and list', () => {
    const model = { id: 'gpt-4o-mini', created: 1_764_000_000, ownedBy: 'openai' };
    expect(clientFormats.openai.model(model)).toEqual({ id: 'gpt-4o-mini', object: 'model', created: 1_764_000_000, owned_by: 'openai' });
    expect(clientFormats.openai.modelList([model], new URLSearchParams('limit=1'))).toEqual({ object: 'list', data: [clientFormats.openai.model(model)] });
    expect(clientFormats.anthropic.model(model)).toEqual({ type: 'model', id: 'gpt-4o-mini', display_name: 'gpt-4o-mini', created_at: '2025-11-24T16:00:00Z' });
    expect(clientFormats.anthropic.modelList([model], new URLSearchParams())).toEqual({
      data: [clientFormats.anthropic.model(model)],
      has_more: false,
      first_id: 'gpt-4o-mini',
      last_id: 'gpt-4o-mini',
    });
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
