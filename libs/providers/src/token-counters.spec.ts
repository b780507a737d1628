import { ProviderKind, UpstreamError, type Deployment } from '@aigw/contracts';
import { adapterFor } from './registry';

const deployment = (kind: Deployment['kind'], model: string): Deployment => ({ id: `dep-${kind}`, provider: kind, kind, baseUrl: 'http://upstream/v1', model });
const body = {
  model: 'alias',
  system: 'You echo.',
  messages: [{ role: 'user', content: 'one two three four' }],
  tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
};

describe('token counters – the providers that count a prompt themselves', () => {
  it('anthropic – count_tokens with the body as the client sent it, the model rewritten; input_tokens read back', () => {
    const counter = adapterFor('anthropic').tokenCounters!.messages!;
    const call = counter.prepare(body, deployment('anthropic', 'claude-x'));
    expect(call.path).toBe('/messages/count_tokens');
    expect(JSON.parse(call.body)).toEqual({ ...body, model: 'claude-x' });
    expect(counter.readCount(Buffer.from('{"input_tokens":17}'))).toBe(17);
  });

  it('gemini – countTokens with the whole translated request: system instruction, contents and tools, no output limit', () => {
    const counter = adapterFor('gemini').tokenCounters!.messages!;
    const call = counter.prepare(body, deployment('gemini', 'gemini-x'));
    expect(call.path).toBe('/models/gemini-x:countTokens');
    const request = JSON.parse(call.body).generateContentRequest;
    expect(request.model).toBe('models/gemini-x');
    expect(request.systemInstruction).toEqual({ parts: [{ text: 'You echo.' }] });
    expect(request.contents).toEqual([{ role: 'user', parts: [{ text: 'one two three four' }] }]);
    expect(request.tools[0].functionDeclarations[0].name).toBe('get_weather');
    expect(request.generationConfig?.maxOutputTokens).toBeUndefined();
    expect(counter.readCount(Buffer.from('{"totalTokens":23,"promptTokensDetails":[{"modality":"TEXT","tokenCount":23}]}'))).toBe(23);
  });

  it('an answer without its count is the upstream’s fault', () => {
    expect(() => adapterFor('anthropic').tokenCounters!.messages!.readCount(Buffer.from('{"tokens":3}'))).toThrow(UpstreamError);
    expect(() => adapterFor('gemini').tokenCounters!.messages!.readCount(Buffer.from('not json'))).toThrow(UpstreamError);
    expect(() => adapterFor('gemini').tokenCounters!.messages!.readCount(Buffer.from('{"totalTokens":-1}'))).toThrow("The gemini upstream answered with no 'totalTokens' count.");
  });

  it('openai – input_tokens with the Responses body, the model rewritten; input_tokens read back', () => {
    const counter = adapterFor('openai').tokenCounters!.responses!;
    const responsesBody = { model: 'alias', instructions: 'Echo.', input: 'one two' };
    const call = counter.prepare(responsesBody, deployment('openai', 'gpt-x'));
    expect(call.path).toBe('/responses/input_tokens');
    expect(JSON.parse(call.body)).toEqual({ ...responsesBody, model: 'gpt-x' });
    expect(counter.readCount(Buffer.from('{"object":"response.input_tokens","input_tokens":9}'))).toBe(9);
  });

  it('who counts which API: Anthropic and Gemini a Messages prompt, OpenAI a Responses one; the gateway the rest', () => {
    const counting = (api: 'messages' | 'responses') => ProviderKind.options.filter((kind) => adapterFor(kind).tokenCounters?.[api] !== undefined);
    expect(counting('messages')).toEqual(['anthropic', 'gemini']);
    expect(counting('responses')).toEqual(['openai']);
  });
});
