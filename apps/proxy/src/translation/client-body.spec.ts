import { UpstreamError, type Deployment } from '@aigw/contracts';
import { adapterFor } from '@aigw/providers';
import { clientBody } from './client-body';

const deployment = (kind: Deployment['kind']): Deployment => ({ id: 'd', provider: kind, kind, baseUrl: 'https://u.example/v1', model: 'm' });
const completion = JSON.stringify({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
});

describe('clientBody', () => {
  it('client body – passes a same-format body through byte for byte, reading its usage', () => {
    const adapter = adapterFor('openai').chat;
    const prepared = adapter.prepare({ model: 'x', messages: [] }, deployment('openai'));
    const body = Buffer.from(completion);
    const out = clientBody({ body, contentType: 'application/json; charset=utf-8', adapter, prepared });
    expect(out.body).toBe(body);
    expect(out.contentType).toBe('application/json; charset=utf-8');
    expect(out.usage).toEqual({ promptTokens: 3, completionTokens: 1, cachedTokens: 0 });
  });

  it('client body – translates an OpenAI answer for a Messages client', () => {
    const adapter = adapterFor('openai').messages;
    const prepared = adapter.prepare({ model: 'x', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }, deployment('openai'));
    const out = clientBody({ body: Buffer.from(completion), contentType: 'application/json', adapter, prepared });
    expect(JSON.parse(out.body.toString())).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn' });
    expect(out.usage).toEqual({ promptTokens: 3, completionTokens: 1, cachedTokens: 0 });
  });

  it('client body – refuses a cut or malformed upstream body as an upstream error (502)', () => {
    const passthrough = adapterFor('openai').chat;
    const cut = Buffer.from(completion.slice(0, 40));
    expect(() => clientBody({ body: cut, contentType: 'application/json', adapter: passthrough, prepared: passthrough.prepare({ model: 'x' }, deployment('openai')) })).toThrow(
      UpstreamError,
    );
    const translated = adapterFor('anthropic').chat;
    const prepared = translated.prepare({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }, deployment('anthropic'));
    expect(() => clientBody({ body: cut, contentType: 'application/json', adapter: translated, prepared })).toThrow(/malformed JSON/);
  });
});
