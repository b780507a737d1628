import Anthropic, { AuthenticationError, BadRequestError, RateLimitError } from '@anthropic-ai/sdk';
import { startMockProvider, type MockProvider } from '../src/server';

const weather: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Get the current weather in a given location',
  input_schema: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['location'] },
};

describe('the Anthropic dialect through the official @anthropic-ai/sdk', () => {
  let mock: MockProvider;
  let client: Anthropic;

  beforeAll(async () => {
    mock = await startMockProvider({ behavior: { chunks: 4 } });
    client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: `${mock.url}/anthropic`, maxRetries: 0 });
  });
  afterAll(() => mock.close());
  afterEach(() => mock.resetBehavior());

  it('anthropic sdk – parses a text message with Anthropic’s usage', async () => {
    const message = await client.messages.create({
      model: 'claude-test',
      max_tokens: 100,
      system: 'You echo.',
      messages: [{ role: 'user', content: 'one two three four' }],
    });
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      content: [{ type: 'text', text: 'one two three four' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 6, output_tokens: 4, cache_read_input_tokens: 0 },
    });
    expect(message.id).toMatch(/^msg_/);
  });

  it('anthropic sdk – counts the input tokens a message would report, without max_tokens, and refuses an empty conversation', async () => {
    const request = { model: 'claude-test', system: 'You echo.', messages: [{ role: 'user' as const, content: 'one two three four' }] };
    expect(await client.messages.countTokens(request)).toEqual({ input_tokens: 6 });
    const message = await client.messages.create({ ...request, max_tokens: 100 });
    expect(message.usage.input_tokens).toBe(6);
    const empty = await client.messages.countTokens({ model: 'claude-test', messages: [] }).catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(BadRequestError);
    expect((empty as BadRequestError).message).toContain('messages: at least one message is required');
  });

  it('anthropic sdk – streams text through every documented event and assembles the final message', async () => {
    const stream = client.messages.stream({ model: 'claude-test', max_tokens: 100, messages: [{ role: 'user', content: 'streaming words here' }] });
    const types: string[] = [];
    let text = '';
    stream.on('text', (delta) => (text += delta));
    for await (const event of stream) types.push(event.type);
    const final = await stream.finalMessage();
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(text).toBe('streaming words here');
    expect(final.usage).toMatchObject({ input_tokens: 3, output_tokens: 4 });
    expect(final.stop_reason).toBe('end_turn');
  });

  it('anthropic sdk – a tool round trip: tool_use with input, then the tool result answered', async () => {
    const first = await client.messages.create({ model: 'claude-test', max_tokens: 200, tools: [weather], messages: [{ role: 'user', content: 'Paris' }] });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
    expect(use).toMatchObject({ name: 'get_weather', input: { location: 'Paris', unit: 'celsius' } });
    expect(use.id).toMatch(/^toolu_/);

    const second = await client.messages.create({
      model: 'claude-test',
      max_tokens: 200,
      tools: [weather],
      messages: [
        { role: 'user', content: 'Paris' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '21 degrees' }] },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'Tool result: 21 degrees' }]);
  });

  it('anthropic sdk – streams tool input as input_json_delta and parses it whole', async () => {
    const stream = client.messages.stream({ model: 'claude-test', max_tokens: 200, tools: [weather], tool_choice: { type: 'tool', name: 'get_weather' }, messages: [{ role: 'user', content: 'Oslo' }] });
    const partials: string[] = [];
    stream.on('inputJson', (partial) => partials.push(partial));
    const final = await stream.finalMessage();
    expect(partials).toHaveLength(4);
    expect(final.content).toEqual([{ type: 'tool_use', id: expect.stringMatching(/^toolu_/), name: 'get_weather', input: { location: 'Oslo', unit: 'celsius' } }]);
  });

  it('anthropic sdk – refuses a tool_result that answers no tool_use, as Anthropic does', async () => {
    const err = await client.messages
      .create({ model: 'claude-test', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'r' }] }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).error).toMatchObject({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message:
          'messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_x. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
      },
    });
  });

  it('anthropic sdk – refuses tool_use blocks the next message does not answer, naming that message, as Anthropic does', async () => {
    const err = await client.messages
      .create({
        model: 'claude-test',
        max_tokens: 10,
        messages: [
          { role: 'user', content: 'weather?' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: {} }] },
          { role: 'user', content: 'never mind' },
        ],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).error).toMatchObject({
      error: {
        message:
          'messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_a. Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
      },
    });
  });

  it('anthropic sdk – raises Anthropic’s error classes for the dialect’s errors and faults', async () => {
    const wrongKey = await startMockProvider({ apiKey: 'right' });
    try {
      const denied = await new Anthropic({ apiKey: 'wrong', baseURL: `${wrongKey.url}/anthropic`, maxRetries: 0 }).messages
        .create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e);
      expect(denied).toBeInstanceOf(AuthenticationError);
    } finally {
      await wrongKey.close();
    }
    mock.setBehavior({ faultStatus: 429, faultRetryAfterS: 7 });
    const limited = await client.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect((limited as RateLimitError).headers?.get('retry-after')).toBe('7');
    expect((limited as RateLimitError).error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });

  it('anthropic sdk – lists the models', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toContain('mock-gpt-4o-mini');
  });
});
