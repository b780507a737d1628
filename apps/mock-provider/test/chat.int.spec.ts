import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionTool } from 'openai/resources/chat/completions';
import { startMockProvider, type MockProvider } from '../src/server';

const weather: ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] },
  },
};

describe('chat completions through the openai SDK', () => {
  let mock: MockProvider;
  let client: OpenAI;

  beforeAll(async () => {
    mock = await startMockProvider({ behavior: { chunks: 4 } });
    client = new OpenAI({ apiKey: 'sk-test', baseURL: `${mock.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => mock.close());
  afterEach(() => mock.resetBehavior());

  async function collect(stream: AsyncIterable<ChatCompletionChunk>) {
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    return chunks;
  }

  it('non-stream – answers a chat.completion echoing the user, one token per piece', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [
        { role: 'system', content: 'You echo.' },
        { role: 'user', content: 'one two three four five' },
      ],
    });
    expect(res.id).toMatch(/^chatcmpl-/);
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe('gpt-test');
    expect(res.system_fingerprint).toBe('fp_mock');
    expect(res.choices).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: 'one two three four five', refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ]);
    expect(res.usage).toMatchObject({
      prompt_tokens: 7,
      completion_tokens: 4,
      total_tokens: 11,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    expect(res._request_id).toMatch(/^req_/);
  });

  it('non-stream – returns n choices and caps the completion at max_tokens', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'a b c d e f g h' }],
      n: 3,
      max_completion_tokens: 2,
    });
    expect(res.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, 'a b c d ', 'length'],
      [1, 'a b c d ', 'length'],
      [2, 'a b c d ', 'length'],
    ]);
    expect(res.usage?.completion_tokens).toBe(6);
  });

  it('stream – delivers role, content deltas and finish, and no usage unless asked', async () => {
    const chunks = await collect(
      await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'ping pong' }], stream: true }),
    );
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '', refusal: null });
    const content = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(content).toBe('ping pong');
    expect(chunks).toHaveLength(6);
    expect(chunks[5].choices[0].finish_reason).toBe('stop');
    expect(chunks.every((c) => c.usage === undefined && c.id === chunks[0].id && c.model === 'gpt-test')).toBe(true);
  });

  it('stream – with include_usage ends with a usage chunk equal to the non-stream usage', async () => {
    const body = { model: 'gpt-test', messages: [{ role: 'user' as const, content: 'count these four words' }] };
    const chunks = await collect(
      await client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }),
    );
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    const plain = await client.chat.completions.create(body);
    expect(last.usage).toEqual(plain.usage);
  });

  it('stream – the SDK stream helper assembles the same completion as the non-stream call', async () => {
    const body = { model: 'gpt-test', messages: [{ role: 'user' as const, content: 'hello mock provider' }] };
    const final = await client.chat.completions.stream({ ...body, stream_options: { include_usage: true } }).finalChatCompletion();
    const plain = await client.chat.completions.create(body);
    expect(final.choices[0].message.content).toBe(plain.choices[0].message.content);
    expect(final.choices[0].finish_reason).toBe('stop');
    expect(final.usage).toEqual(plain.usage);
  });

  it('tools – non-stream answers a tool call whose arguments parse as JSON', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'Paris' }],
      tools: [weather],
    });
    const choice = res.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const call = choice.message.tool_calls?.[0];
    expect(call).toMatchObject({ id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather' } });
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Paris', days: 1 });
  });

  it('tools – the SDK stream reassembles streamed arguments into the same call', async () => {
    const stream = client.chat.completions.stream({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'Rome' }],
      tools: [weather],
    });
    const argumentDeltas: string[] = [];
    stream.on('tool_calls.function.arguments.delta', (e) => argumentDeltas.push(e.arguments_delta));
    const final = await stream.finalChatCompletion();
    const call = final.choices[0].message.tool_calls?.[0];
    expect(final.choices[0].finish_reason).toBe('tool_calls');
    expect(argumentDeltas.filter(Boolean)).toHaveLength(4);
    expect(argumentDeltas.join('')).toBe(call?.type === 'function' && call.function.arguments);
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Rome', days: 1 });
  });

  it('tools – a round trip: the tool result comes back in the answer', async () => {
    const first = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'Oslo' }],
      tools: [weather],
    });
    const call = first.choices[0].message.tool_calls![0];
    const second = await client.chat.completions.create({
      model: 'gpt-test',
      tools: [weather],
      messages: [
        { role: 'user', content: 'Oslo' },
        first.choices[0].message,
        { role: 'tool', tool_call_id: call.id, content: 'minus-3' },
      ],
    });
    expect(second.choices[0].finish_reason).toBe('stop');
    expect(second.choices[0].message.content).toBe('Tool result: minus-3');
  });

  it('behavior – the chunk count set at runtime shapes the next stream', async () => {
    mock.setBehavior({ chunks: 2 });
    const chunks = await collect(
      await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'x y z' }], stream: true }),
    );
    expect(chunks.map((c) => c.choices[0].delta.content)).toEqual(['', 'x y', ' z', undefined]);
  });
});
