import Anthropic from '@anthropic-ai/sdk';
import { countTokens } from 'gpt-tokenizer';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { startGateway, type GatewayUnderTest } from './gateway-stack';

/**
 * Every client format × every upstream format, through the whole stack: the openai SDK and the Anthropic
 * SDK as clients, the mock provider's OpenAI, Anthropic, Gemini and Azure dialects as upstreams.
 */
const CONFIG = `
providers:
  mock-openai: { kind: openai, baseUrl: "\${MOCK_PROVIDER_URL}/v1", credentialEnv: MOCK_PROVIDER_API_KEY }
  mock-anthropic: { kind: anthropic, baseUrl: "\${MOCK_PROVIDER_URL}/anthropic/v1", credentialEnv: MOCK_PROVIDER_API_KEY }
  mock-gemini: { kind: gemini, baseUrl: "\${MOCK_PROVIDER_URL}/gemini/v1beta", credentialEnv: MOCK_PROVIDER_API_KEY }
  mock-azure: { kind: azure-openai, baseUrl: "\${MOCK_PROVIDER_URL}/azure/openai", apiVersion: "2024-10-21", credentialEnv: MOCK_PROVIDER_API_KEY }
deployments:
  openai-chat: { provider: mock-openai, model: mock-openai-chat }
  anthropic-chat: { provider: mock-anthropic, model: mock-claude }
  gemini-chat: { provider: mock-gemini, model: mock-gemini }
  azure-chat: { provider: mock-azure, model: mock-azure-chat }
  openai-embed: { provider: mock-openai, model: mock-openai-embed }
  gemini-embed: { provider: mock-gemini, model: mock-gemini-embed }
  azure-embed: { provider: mock-azure, model: mock-azure-embed }
  text-only: { provider: mock-openai, model: mock-text-only, capabilities: { input: [text] } }
  openai-faulty: { provider: mock-openai, model: mock-openai-faulty }
  anthropic-faulty: { provider: mock-anthropic, model: mock-claude-faulty }
  gemini-faulty: { provider: mock-gemini, model: mock-gemini-faulty }
models:
  chat-openai: { deployments: [openai-chat] }
  chat-anthropic: { deployments: [anthropic-chat] }
  chat-gemini: { deployments: [gemini-chat] }
  chat-azure: { deployments: [azure-chat] }
  embed-openai: { deployments: [openai-embed] }
  embed-gemini: { deployments: [gemini-embed] }
  embed-azure: { deployments: [azure-embed] }
  text-only: { deployments: [text-only] }
  faulty-openai: { deployments: [openai-faulty] }
  faulty-anthropic: { deployments: [anthropic-faulty] }
  faulty-gemini: { deployments: [gemini-faulty] }
keys:
  - { id: key_admin, tenant: ops, role: admin, secretEnv: AIGW_DEMO_KEY }
  - { id: key_acme, tenant: acme, role: client, secretEnv: E2E_CLIENT_KEY }
  - { id: key_limited, tenant: acme, role: client, secretEnv: E2E_LIMITED_KEY }
quota:
  defaults: { rpm: 10000 }
`;

const UPSTREAMS = ['openai', 'anthropic', 'gemini', 'azure'] as const;
type Upstream = (typeof UPSTREAMS)[number];

let gw: GatewayUnderTest;
let openai: OpenAI;
let anthropic: Anthropic;

/** Usage each client saw, per key and alias, to hold the metering API to. */
const seen = new Map<string, { requests: number; prompt: number; completion: number }>();
function saw(keyId: string, alias: string, prompt: number, completion: number): void {
  const entry = seen.get(`${keyId} ${alias}`) ?? { requests: 0, prompt: 0, completion: 0 };
  seen.set(`${keyId} ${alias}`, { requests: entry.requests + 1, prompt: entry.prompt + prompt, completion: entry.completion + completion });
}
const sawOpenAI = (alias: string, usage: OpenAI.CompletionUsage | null | undefined) => saw('key_acme', alias, usage?.prompt_tokens ?? NaN, usage?.completion_tokens ?? NaN);
const sawAnthropic = (alias: string, usage: Anthropic.Usage) =>
  saw('key_admin', alias, usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0), usage.output_tokens);

beforeAll(async () => {
  gw = await startGateway({ config: CONFIG });
  openai = new OpenAI({ baseURL: gw.stack.urls.gateway, apiKey: gw.keys.client, maxRetries: 0 });
  // The Anthropic SDK appends /v1/messages itself, and sends the key as a bearer token.
  anthropic = new Anthropic({ baseURL: gw.stack.urls.gateway.replace(/\/v1$/, ''), apiKey: gw.keys.admin, maxRetries: 0 });
}, 120_000);

afterAll(async () => {
  await gw?.close();
});

const mockUrl = () => gw.stack.urls.mockProvider.replace(/\/v1$/, '');

async function setMockBehavior(body: unknown): Promise<void> {
  const res = await fetch(`${mockUrl()}/_mock/behavior`, {
    method: body === null ? 'DELETE' : 'PUT',
    headers: { 'content-type': 'application/json' },
    body: body === null ? undefined : JSON.stringify(body),
  });
  expect(res.ok).toBe(true);
}

const weatherSchema = {
  type: 'object',
  properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
  required: ['location'],
};
const openaiWeather: ChatCompletionTool = { type: 'function', function: { name: 'get_weather', description: 'Current weather', parameters: weatherSchema } };
const anthropicWeather: Anthropic.Tool = { name: 'get_weather', description: 'Current weather', input_schema: weatherSchema as Anthropic.Tool.InputSchema };

describe.each(UPSTREAMS)('openai SDK → gateway → %s upstream', (upstream: Upstream) => {
  const model = `chat-${upstream}`;

  it('chat – answers a non-stream completion with usage', async () => {
    const res = await openai.chat.completions.create({
      model,
      messages: [
        { role: 'system', content: 'Echo the user.' },
        { role: 'user', content: `hello from openai to ${upstream}` },
      ],
    });
    expect(res.object).toBe('chat.completion');
    expect(res.choices[0]!.message.content).toBe(`hello from openai to ${upstream}`);
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(res.usage!.prompt_tokens).toBe(8);
    sawOpenAI(model, res.usage);
  });

  it('chat – streams chunk by chunk, usage last when asked', async () => {
    const stream = await openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: `streaming from ${upstream}` }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let contentChunks = 0;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.content;
      if (delta) {
        text += delta;
        contentChunks += 1;
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(`streaming from ${upstream}`);
    expect(contentChunks).toBeGreaterThan(1);
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBe(contentChunks);
    sawOpenAI(model, usage);
  });

  it('chat – a tool call round trip, non-stream', async () => {
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Paris' }];
    const first = await openai.chat.completions.create({ model, messages, tools: [openaiWeather] });
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(call.type).toBe('function');
    if (call.type !== 'function') return;
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ location: 'Paris', unit: 'celsius' });
    sawOpenAI(model, first.usage);

    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: '21 C and sunny' });
    const second = await openai.chat.completions.create({ model, messages, tools: [openaiWeather] });
    expect(second.choices[0]!.finish_reason).toBe('stop');
    expect(second.choices[0]!.message.content).toMatch(/^Tool result: .*21 C and sunny/);
    sawOpenAI(model, second.usage);
  });

  it('chat – a tool call round trip, streamed, arguments assembled from the deltas', async () => {
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Oslo' }];
    const stream = await openai.chat.completions.create({ model, messages, tools: [openaiWeather], stream: true, stream_options: { include_usage: true } });
    const call = { id: '', name: '', args: '' };
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        call.id ||= delta.id ?? '';
        call.name ||= delta.function?.name ?? '';
        call.args += delta.function?.arguments ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(finish).toBe('tool_calls');
    expect(call.name).toBe('get_weather');
    expect(JSON.parse(call.args)).toEqual({ location: 'Oslo', unit: 'celsius' });
    sawOpenAI(model, usage);

    messages.push(
      { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: { name: call.name, arguments: call.args } }] },
      { role: 'tool', tool_call_id: call.id, content: '-3 C' },
    );
    const again = await openai.chat.completions.create({ model, messages, tools: [openaiWeather], stream: true, stream_options: { include_usage: true } });
    let text = '';
    for await (const chunk of again) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toMatch(/^Tool result: .*-3 C/);
    sawOpenAI(model, usage);
  });
});

describe.each(UPSTREAMS)('Anthropic SDK → gateway /v1/messages → %s upstream', (upstream: Upstream) => {
  const model = `chat-${upstream}`;

  it('messages – answers a non-stream message with usage', async () => {
    const message = await anthropic.messages.create({
      model,
      max_tokens: 256,
      system: 'Echo the user.',
      messages: [{ role: 'user', content: `hello from anthropic to ${upstream}` }],
    });
    expect(message.type).toBe('message');
    expect(message.content).toEqual([{ type: 'text', text: `hello from anthropic to ${upstream}` }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.input_tokens).toBe(8);
    sawAnthropic(model, message.usage);
  });

  it('messages – streams the documented events and assembles the message', async () => {
    const stream = anthropic.messages.stream({ model, max_tokens: 256, messages: [{ role: 'user', content: `streaming from ${upstream}` }] });
    const types = new Set<string>();
    let deltas = 0;
    stream.on('text', () => (deltas += 1));
    for await (const event of stream) types.add(event.type);
    const final = await stream.finalMessage();
    expect([...types]).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(final.content).toEqual([{ type: 'text', text: `streaming from ${upstream}` }]);
    expect(deltas).toBeGreaterThan(1);
    expect(final.usage.output_tokens).toBe(deltas);
    expect(final.stop_reason).toBe('end_turn');
    sawAnthropic(model, final.usage);
  });

  it('messages – a tool use round trip, non-stream', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Paris' }];
    const first = await anthropic.messages.create({ model, max_tokens: 256, tools: [anthropicWeather], messages });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
    expect(use).toMatchObject({ name: 'get_weather', input: { location: 'Paris', unit: 'celsius' } });
    sawAnthropic(model, first.usage);

    messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '21 C and sunny' }] });
    const second = await anthropic.messages.create({ model, max_tokens: 256, tools: [anthropicWeather], messages });
    expect(second.stop_reason).toBe('end_turn');
    expect(second.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/^Tool result: .*21 C and sunny/) });
    sawAnthropic(model, second.usage);
  });

  it('messages – a tool_result that answers no tool_use gets Anthropic\'s own 400, whatever the upstream', async () => {
    const err = await anthropic.messages
      .create({ model, max_tokens: 16, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_orphan', content: 'r' }] }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message:
          'messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_orphan. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
      },
    });
    // Anthropic itself refused it, an answered request, metered without tokens; the gateway refuses it for any other upstream before sending it.
    if (upstream === 'anthropic') saw('key_admin', model, 0, 0);
  });

  it('messages – a tool use round trip, streamed, input assembled from input_json_delta', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Oslo' }];
    const stream = anthropic.messages.stream({ model, max_tokens: 256, tools: [anthropicWeather], tool_choice: { type: 'any' }, messages });
    const final = await stream.finalMessage();
    const use = final.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
    expect(final.stop_reason).toBe('tool_use');
    expect(use).toMatchObject({ name: 'get_weather', input: { location: 'Oslo', unit: 'celsius' } });
    sawAnthropic(model, final.usage);

    messages.push({ role: 'assistant', content: final.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '-3 C' }] });
    const again = await anthropic.messages.stream({ model, max_tokens: 256, tools: [anthropicWeather], messages }).finalMessage();
    expect(again.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/^Tool result: .*-3 C/) });
    sawAnthropic(model, again.usage);
  });
});

describe('embeddings and the Responses API through the gateway', () => {
  it.each(['openai', 'gemini', 'azure'])('embeddings – the openai SDK gets vectors from the %s upstream', async (upstream) => {
    const res = await openai.embeddings.create({ model: `embed-${upstream}`, input: ['first text', 'second text'], dimensions: 6 });
    expect(res.data.map((d) => d.embedding.length)).toEqual([6, 6]);
    expect(res.data[0]!.embedding).not.toEqual(res.data[1]!.embedding);
    if (upstream !== 'gemini') saw('key_acme', `embed-${upstream}`, res.usage.prompt_tokens, 0);
  });

  it('responses – passed through to an OpenAI-format upstream, stream and non-stream', async () => {
    const response = await openai.responses.create({ model: 'chat-openai', input: 'respond through the gateway' });
    expect(response.output_text).toBe('respond through the gateway');
    saw('key_acme', 'chat-openai', response.usage!.input_tokens, response.usage!.output_tokens);

    const stream = await openai.responses.create({ model: 'chat-openai', input: 'stream a response', stream: true });
    let text = '';
    let usage: OpenAI.Responses.ResponseUsage | undefined;
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') usage = event.response.usage;
    }
    expect(text).toBe('stream a response');
    saw('key_acme', 'chat-openai', usage!.input_tokens, usage!.output_tokens);
  });

  it('responses – refused before any call for an upstream that is not OpenAI-format', async () => {
    const err = await openai.responses.create({ model: 'chat-anthropic', input: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toMatch(/OpenAI-format upstreams only; anthropic/);
  });
});

describe('model aliases through each SDK', () => {
  it('models – the openai SDK retrieves an alias, and gets NotFoundError for one the gateway does not serve', async () => {
    expect(await openai.models.retrieve('chat-anthropic')).toMatchObject({ id: 'chat-anthropic', object: 'model', created: expect.any(Number) });
    await expect(openai.models.retrieve('no-such-alias')).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('models – the Anthropic SDK pages through every alias, retrieves one, and gets NotFoundError in Anthropic’s shape', async () => {
    const ids: string[] = [];
    for await (const model of anthropic.models.list({ limit: 4 })) ids.push(model.id);
    expect(ids).toEqual(['chat-openai', 'chat-anthropic', 'chat-gemini', 'chat-azure', 'embed-openai', 'embed-gemini', 'embed-azure', 'text-only', 'faulty-openai', 'faulty-anthropic', 'faulty-gemini']);
    const model = await anthropic.models.retrieve('chat-openai');
    expect(model).toMatchObject({ type: 'model', id: 'chat-openai', display_name: 'chat-openai' });
    expect(Date.parse(model.created_at)).toBeGreaterThan(0);
    const missing = await anthropic.models.retrieve('no-such-alias').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
    expect((missing as InstanceType<typeof Anthropic.NotFoundError>).error).toEqual({
      type: 'error',
      error: { type: 'not_found_error', message: "The model 'no-such-alias' does not exist or you do not have access to it." },
    });
  });
});

describe('same format in and out: bytes pass through', () => {
  it('passthrough – an Anthropic stream from an Anthropic upstream keeps its ping events', async () => {
    const res = await fetch(`${gw.stack.urls.gateway}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': gw.keys.admin, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'chat-anthropic', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'raw bytes' }] }),
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain('event: ping\ndata: {"type":"ping"}\n\n');
    expect(text).toContain('"cache_creation_input_tokens":0');
    const usage = [...text.matchAll(/"(input|output)_tokens":(\d+)/g)];
    saw('key_admin', 'chat-anthropic', Number(usage[0]![2]), Number(usage.at(-1)![2]));
  });

  it('passthrough – an OpenAI answer from an OpenAI upstream keeps the upstream’s own fields', async () => {
    const res = await openai.chat.completions.create({ model: 'chat-openai', messages: [{ role: 'user', content: 'keep fields' }] });
    expect(res.system_fingerprint).toBe('fp_mock');
    sawOpenAI('chat-openai', res.usage);
  });
});

describe('requests a provider cannot express, and upstream failures', () => {
  it('bad input – n: 3 to Anthropic is a 400 naming the parameter and the provider', async () => {
    const err = await openai.chat.completions.create({ model: 'chat-anthropic', n: 3, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ status: 400, param: 'n', message: expect.stringMatching(/'n' \(more than one choice\) is not supported by anthropic/) });
  });

  it('bad input – an image for a text-only deployment is a 400, in the client’s format on /v1/messages', async () => {
    const image = { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } };
    const err = await openai.chat.completions.create({ model: 'text-only', messages: [{ role: 'user', content: [image] }] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, param: 'messages[0].content[0]', message: expect.stringContaining('image input') });

    const viaMessages = await anthropic.messages
      .create({ model: 'text-only', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] }] })
      .catch((e: unknown) => e);
    expect(viaMessages).toBeInstanceOf(Anthropic.BadRequestError);
    expect((viaMessages as InstanceType<typeof Anthropic.BadRequestError>).error).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('image input') },
    });
  });

  it('errors on /v1/messages – gateway errors use Anthropic’s shape: unknown model, bad key, missing max_tokens', async () => {
    const unknown = await anthropic.messages.create({ model: 'no-such-model', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(Anthropic.NotFoundError);
    expect((unknown as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });

    const badKey = await new Anthropic({ baseURL: gw.stack.urls.gateway.replace(/\/v1$/, ''), apiKey: 'sk-aigw-wrong', maxRetries: 0 }).messages
      .create({ model: 'chat-openai', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(badKey).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((badKey as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });

    const res = await fetch(`${gw.stack.urls.gateway}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': gw.keys.admin },
      body: JSON.stringify({ model: 'chat-openai', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens') } });
  });

  it('upstream errors – a Gemini 429 reaches an OpenAI client as 429 with retry-after, and a Messages client in Anthropic’s shape', async () => {
    await setMockBehavior({ models: { 'mock-gemini-faulty': { faultStatus: 429, faultRetryAfterS: 1 } } });
    try {
      const err = await openai.chat.completions.create({ model: 'faulty-gemini', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      expect(err).toMatchObject({ status: 429, code: 'rate_limit_exceeded', message: expect.stringContaining('exceeded your current quota') });
      expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('1');

      const viaMessages = await anthropic.messages.create({ model: 'faulty-gemini', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect(viaMessages).toBeInstanceOf(Anthropic.RateLimitError);
      expect((viaMessages as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    } finally {
      await setMockBehavior(null);
    }
  });

  it('upstream errors – Anthropic’s 529 overloaded reaches an OpenAI client as 503', async () => {
    await setMockBehavior({ models: { 'mock-claude-faulty': { faultStatus: 529 } } });
    try {
      const err = await openai.chat.completions.create({ model: 'faulty-anthropic', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 503, code: 'overloaded_error', message: '503 Overloaded' });
    } finally {
      await setMockBehavior(null);
    }
  });

  it('malformed upstream answers – a 502 in the client’s format, or a final error event mid-stream', async () => {
    await setMockBehavior({ models: { 'mock-claude-faulty': { faultMalformed: true }, 'mock-openai-faulty': { faultMalformed: true } } });
    try {
      const body = await openai.chat.completions.create({ model: 'faulty-anthropic', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect(body).toMatchObject({ status: 502, message: expect.stringContaining('malformed JSON') });
      const passthrough = await openai.chat.completions.create({ model: 'faulty-openai', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect(passthrough).toMatchObject({ status: 502, message: expect.stringContaining('not a complete JSON object') });

      const stream = await openai.chat.completions.create({ model: 'faulty-anthropic', messages: [{ role: 'user', content: 'x' }], stream: true });
      const streamErr = await (async () => {
        for await (const _ of stream) void _;
      })().catch((e: unknown) => e);
      expect(streamErr).toBeInstanceOf(OpenAI.APIError);
      expect((streamErr as Error).message).toMatch(/malformed JSON/);

      const messages = anthropic.messages.stream({ model: 'faulty-openai', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
      const messagesErr = await messages.finalMessage().catch((e: unknown) => e);
      expect(messagesErr).toBeInstanceOf(Anthropic.APIError);
      expect((messagesErr as Error).message).toMatch(/malformed JSON|ended before it finished/);
    } finally {
      await setMockBehavior(null);
    }
  });

  it('broken streams – an upstream that cuts the connection ends an Anthropic client’s stream with an error event', async () => {
    await setMockBehavior({ models: { 'mock-gemini-faulty': { faultMidstreamAfter: 1 } } });
    try {
      const err = await anthropic.messages
        .stream({ model: 'faulty-gemini', max_tokens: 64, messages: [{ role: 'user', content: 'cut me off please' }] })
        .finalMessage()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.APIError);
      expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    } finally {
      await setMockBehavior(null);
    }
  });
});

describe('token counting – Anthropic’s count_tokens and OpenAI’s input_tokens for any alias', () => {
  const request = { system: 'You echo.', messages: [{ role: 'user' as const, content: 'one two three four' }] };

  it('count_tokens – an Anthropic or Gemini deployment counts itself: what a message of the same body reports as input', async () => {
    for (const model of ['chat-anthropic', 'chat-gemini']) {
      const { data: count, response } = await anthropic.messages.countTokens({ model, ...request }).withResponse();
      expect(response.headers.get('x-aigw-usage-source')).toBe('upstream');
      const message = await anthropic.messages.create({ model, max_tokens: 50, ...request });
      sawAnthropic(model, message.usage);
      expect(count).toEqual({ input_tokens: message.usage.input_tokens });
    }
  });

  it('count_tokens – for an OpenAI-format provider the gateway counts: o200k text plus the chat format’s 3 tokens a message and 3 for the reply', async () => {
    for (const model of ['chat-openai', 'chat-azure']) {
      const { data: count, response } = await anthropic.messages.countTokens({ model, ...request }).withResponse();
      expect(response.headers.get('x-aigw-usage-source')).toBe('gateway');
      expect(count).toEqual({ input_tokens: countTokens('one two three four\nYou echo.') + 3 + 3 });
    }
  });

  it('input_tokens – the openai SDK’s responses.inputTokens.count(): an OpenAI deployment counts itself, another provider’s alias gets the gateway’s count', async () => {
    const body = { instructions: 'Echo.', input: 'one two three four' };
    const { data: counted, response } = await openai.responses.inputTokens.count({ model: 'chat-openai', ...body }).withResponse();
    expect(response.headers.get('x-aigw-usage-source')).toBe('upstream');
    const answered = await openai.responses.create({ model: 'chat-openai', ...body });
    saw('key_acme', 'chat-openai', answered.usage!.input_tokens, answered.usage!.output_tokens);
    expect(counted).toEqual({ object: 'response.input_tokens', input_tokens: answered.usage!.input_tokens });

    const { data: estimated, response: viaGateway } = await openai.responses.inputTokens.count({ model: 'chat-anthropic', ...body }).withResponse();
    expect(viaGateway.headers.get('x-aigw-usage-source')).toBe('gateway');
    expect(estimated).toEqual({ object: 'response.input_tokens', input_tokens: countTokens('one two three four\nEcho.') });
  });

  it('count_tokens – refuses in Anthropic’s shape: an unknown alias, an empty conversation, a bad key', async () => {
    const unknown = await anthropic.messages.countTokens({ model: 'no-such-alias', ...request }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(Anthropic.NotFoundError);
    expect((unknown as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    const empty = await anthropic.messages.countTokens({ model: 'chat-anthropic', messages: [] }).catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(Anthropic.BadRequestError);
    expect((empty as InstanceType<typeof Anthropic.BadRequestError>).message).toContain('messages: at least one message is required');
    const stranger = new Anthropic({ baseURL: gw.stack.urls.gateway.replace(/\/v1$/, ''), apiKey: 'sk-aigw-not-a-key', maxRetries: 0 });
    expect(await stranger.messages.countTokens({ model: 'chat-anthropic', ...request }).catch((e: unknown) => e)).toBeInstanceOf(Anthropic.AuthenticationError);
  });
});

describe('the proxy itself', () => {
  it('robustness – no request of this suite was an unexpected failure of the proxy', () => {
    expect(gw.problems.filter((line) => line.startsWith('[proxy]') && /unexpected failure|failure after the response started/.test(line))).toEqual([]);
  });
});

describe('metering', () => {
  it('usage – every pair’s tokens reach the metering API exactly as the clients saw them', async () => {
    const rows = async (keyId: string, alias: string) => {
      const res = await fetch(`${gw.stack.urls.metering}/usage?key=${keyId}&model=${alias}`, { headers: { authorization: `Bearer ${gw.keys.admin}` } });
      expect(res.status).toBe(200);
      const data = ((await res.json()) as { data: Array<Record<string, number>> }).data;
      const sum = (field: string) => data.reduce((n, r) => n + Number(r[field] ?? 0), 0);
      return { requests: sum('requests'), prompt: sum('prompt_tokens'), completion: sum('completion_tokens') };
    };
    expect(seen.size).toBeGreaterThanOrEqual(10);
    for (const [pair, expected] of seen) {
      const [keyId, alias] = pair.split(' ') as [string, string];
      const deadline = Date.now() + 10_000;
      let metered = await rows(keyId, alias);
      while (metered.requests < expected.requests && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        metered = await rows(keyId, alias);
      }
      expect({ pair, ...metered }).toEqual({ pair, ...expected });
    }
  });
});
