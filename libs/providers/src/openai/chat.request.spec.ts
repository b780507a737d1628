import type { Deployment } from '@aigw/contracts';
import { openai } from '.';

const prepareChat = openai.chat.prepare;
const prepareEmbeddings = openai.embeddings.prepare;

const deployment: Deployment = {
  id: 'dep-1',
  provider: 'openai',
  kind: 'openai',
  baseUrl: 'https://api.openai.com/v1',
  model: 'gpt-4o-mini-2024-07-18',
};
const messages = [{ role: 'user', content: 'Hi' }];

describe('openai request preparation', () => {
  it('openai chat request – aims a non-stream request at the deployment model and keeps every other field', () => {
    const client = { model: 'alias', messages, temperature: 0.2, tools: [{ type: 'function' }] };
    const prepared = prepareChat(client, deployment);
    expect(JSON.parse(prepared.body)).toEqual({ ...client, model: 'gpt-4o-mini-2024-07-18' });
    expect(prepared).toMatchObject({ path: '/chat/completions', stream: false, usageAdded: false });
    expect(prepared.translation).toBeUndefined();
    expect(client.model).toBe('alias');
  });

  it('openai chat request – asks a stream for usage when the client did not', () => {
    const prepared = prepareChat({ model: 'alias', messages, stream: true }, deployment);
    expect(JSON.parse(prepared.body)).toEqual({
      model: 'gpt-4o-mini-2024-07-18',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(prepared).toMatchObject({ stream: true, usageAdded: true });
  });

  it('openai chat request – overrides include_usage:false and keeps the other stream options', () => {
    const prepared = prepareChat(
      { model: 'alias', messages, stream: true, stream_options: { include_usage: false, include_obfuscation: false } },
      deployment,
    );
    expect(JSON.parse(prepared.body).stream_options).toEqual({ include_usage: true, include_obfuscation: false });
    expect(prepared.usageAdded).toBe(true);
  });

  it('openai chat request – leaves a stream that asked for usage as it is', () => {
    const prepared = prepareChat({ model: 'alias', messages, stream: true, stream_options: { include_usage: true } }, deployment);
    expect(JSON.parse(prepared.body).stream_options).toEqual({ include_usage: true });
    expect(prepared.usageAdded).toBe(false);
  });

  it('openai embeddings request – aims the request at the deployment model, never streamed', () => {
    const prepared = prepareEmbeddings({ model: 'alias', input: ['a', 'b'], dimensions: 256 }, deployment);
    expect(JSON.parse(prepared.body)).toEqual({ model: 'gpt-4o-mini-2024-07-18', input: ['a', 'b'], dimensions: 256 });
    expect(prepared).toMatchObject({ path: '/embeddings', stream: false, usageAdded: false });
  });

  it('openai responses request – aims the request at the deployment model and keeps stream as asked', () => {
    const prepared = openai.responses.prepare({ model: 'alias', input: 'hi', stream: true, store: false }, deployment);
    expect(JSON.parse(prepared.body)).toEqual({ model: 'gpt-4o-mini-2024-07-18', input: 'hi', stream: true, store: false });
    expect(prepared).toMatchObject({ path: '/responses', stream: true, usageAdded: false });
  });
});
