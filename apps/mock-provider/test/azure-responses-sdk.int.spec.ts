import OpenAI, { AuthenticationError, AzureOpenAI, RateLimitError } from 'openai';
import { startMockProvider, type MockProvider } from '../src/server';

describe('the Azure OpenAI dialect and the Responses API through the official openai SDK', () => {
  let mock: MockProvider;
  let azure: AzureOpenAI;

  beforeAll(async () => {
    mock = await startMockProvider({ behavior: { chunks: 3 }, apiKey: 'azure-key' });
    azure = new AzureOpenAI({ endpoint: `${mock.url}/azure`, apiKey: 'azure-key', apiVersion: '2024-10-21', deployment: 'gpt-4o-prod', maxRetries: 0 });
  });
  afterAll(() => mock.close());
  afterEach(() => mock.resetBehavior());

  it('azure sdk – answers at the deployment URL with content filter results', async () => {
    const completion = await azure.chat.completions.create({ model: 'gpt-4o-prod', messages: [{ role: 'user', content: 'hello azure' }] });
    expect(completion.choices[0]!.message.content).toBe('hello azure');
    expect(completion).toMatchObject({ prompt_filter_results: [{ prompt_index: 0 }], choices: [{ content_filter_results: { hate: { filtered: false } } }] });
    expect(completion.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 3 });
  });

  it('azure sdk – streams after the prompt filter chunk, usage last when asked', async () => {
    const stream = await azure.chat.completions.create({
      model: 'gpt-4o-prod',
      messages: [{ role: 'user', content: 'stream azure' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let chunks = 0;
    let usage;
    for await (const chunk of stream) {
      chunks += 1;
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('stream azure');
    expect(chunks).toBe(7);
    expect(usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 3 });
  });

  it('azure sdk – embeddings at the deployment URL', async () => {
    const list = await azure.embeddings.create({ model: 'embed-prod', input: ['a', 'b'] });
    expect(list.data).toHaveLength(2);
  });

  it('azure – refuses a request without api-version, a wrong key, and answers faults in Azure’s error shape', async () => {
    const noVersion = await fetch(`${mock.url}/azure/openai/deployments/d/chat/completions`, {
      method: 'POST',
      headers: { 'api-key': 'azure-key', 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(noVersion.status).toBe(404);
    expect(await noVersion.json()).toEqual({ error: { code: '404', message: 'Resource not found' } });

    const wrong = new AzureOpenAI({ endpoint: `${mock.url}/azure`, apiKey: 'nope', apiVersion: '2024-10-21', deployment: 'd', maxRetries: 0 });
    expect(await wrong.chat.completions.create({ model: 'd', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)).toBeInstanceOf(AuthenticationError);

    mock.setBehavior({ faultStatus: 429, faultRetryAfterS: 3 });
    const limited = await azure.chat.completions.create({ model: 'd', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).error).toMatchObject({ code: '429' });
    expect((limited as RateLimitError).headers?.get('retry-after')).toBe('3');
  });

  it('responses sdk – counts the input tokens a response to the same body reports', async () => {
    const client = new OpenAI({ apiKey: 'azure-key', baseURL: `${mock.url}/v1`, maxRetries: 0 });
    const request = { model: 'gpt-test', instructions: 'Echo.', input: 'respond in kind' };
    expect(await client.responses.inputTokens.count(request)).toEqual({ object: 'response.input_tokens', input_tokens: 4 });
    expect((await client.responses.create(request)).usage?.input_tokens).toBe(4);
  });

  it('responses sdk – a response object and its event stream, usage in response.completed', async () => {
    const client = new OpenAI({ apiKey: 'azure-key', baseURL: `${mock.url}/v1`, maxRetries: 0 });
    const response = await client.responses.create({ model: 'gpt-test', instructions: 'Echo.', input: 'respond in kind' });
    expect(response.output_text).toBe('respond in kind');
    expect(response.status).toBe('completed');
    expect(response.usage).toMatchObject({ input_tokens: 4, output_tokens: 3, total_tokens: 7 });

    const stream = await client.responses.create({ model: 'gpt-test', input: [{ role: 'user', content: 'streamed response' }], stream: true });
    const types: string[] = [];
    let text = '';
    let completed;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(text).toBe('streamed response');
    expect(completed).toMatchObject({ usage: { input_tokens: 2, output_tokens: 3 } });
  });
});
