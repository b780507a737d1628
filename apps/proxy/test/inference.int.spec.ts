import { countTokens } from 'gpt-tokenizer';
import { APIError } from 'openai';
import { keys, startHarness, UPSTREAM_SECRET, type Harness } from './harness';
import { FLOOD_EVENTS } from './upstream-server';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const messages = [{ role: 'user' as const, content: 'Say hello' }];

describe('proxy – chat completions', () => {
  it('proxy – answers a non-stream chat completion with the upstream content and usage', async () => {
    const { data, response, request_id } = await h.client().chat.completions.create({ model: 'gpt-test', messages }).withResponse();
    expect(data.choices[0]?.message.content).toBe('Hello there from up-ok');
    expect(data.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 5 });
    expect(request_id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('600');
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('599');
    expect(response.headers.get('x-ratelimit-reset-requests')).toBe('100ms');
  });

  it('proxy – sends the upstream the deployment model and the upstream credential, not the client key', async () => {
    await h.client().chat.completions.create({ model: 'gpt-test', messages, temperature: 0.5 });
    const sent = h.upstream.requestsFor('up-ok').at(-1)!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.authorization).toBe(`Bearer ${UPSTREAM_SECRET}`);
    expect(sent.body).toEqual({ model: 'up-ok', messages, temperature: 0.5 });
  });

  it('proxy – passes the key identity, the alias and the prompt estimate to quota', async () => {
    const { request_id } = await h.client().chat.completions.create({ model: 'gpt-test', messages }).withResponse();
    expect(h.admits.find((a) => a.requestId === request_id)).toEqual({
      requestId: request_id,
      keyId: 'key_good',
      tenantId: 'tenant-a',
      model: 'gpt-test',
      limits: {},
      // 'Say hello': 9 characters, four a token.
      promptTokens: 3,
    });
  });

  it('proxy – asks quota to reserve the completion tokens a request allows, none for embeddings', async () => {
    const chat = await h.client().chat.completions.create({ model: 'gpt-test', messages, max_completion_tokens: 64 }).withResponse();
    expect(h.admits.find((a) => a.requestId === chat.request_id)).toMatchObject({ promptTokens: 3, maxTokens: 64 });
    const embedding = await h.client().embeddings.create({ model: 'embed-test', input: 'hello', encoding_format: 'float' }).withResponse();
    expect(h.admits.find((a) => a.requestId === embedding.request_id)).toMatchObject({ promptTokens: 2, maxTokens: 0 });
  });

  it('proxy – publishes one usage event with the upstream token counts for a non-stream request', async () => {
    const { request_id } = await h.client().chat.completions.create({ model: 'gpt-test', messages }).withResponse();
    const event = await h.usageEvent(request_id!);
    expect(event).toMatchObject({
      v: 1,
      id: request_id,
      tenantId: 'tenant-a',
      keyId: 'key_good',
      model: 'gpt-test',
      servedModel: 'up-ok',
      provider: 'fake',
      deploymentId: 'dep-ok',
      operation: 'chat.completions',
      stream: false,
      status: 200,
      incomplete: false,
      promptTokens: 12,
      completionTokens: 5,
      cachedTokens: 3,
      usageSource: 'upstream',
    });
    expect(event.ttftMs).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(h.usageEventsFor(request_id!)).toHaveLength(1);
  });

  it('proxy – streams tokens as they come: the first chunk reaches the client before the upstream sends the rest', async () => {
    const { data: stream, response } = await h.client().chat.completions.create({ model: 'gpt-gated', messages, stream: true }).withResponse();
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    let text = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (text === 'Hello') h.upstream.releaseGate();
    }
    expect(h.upstream.gateReleasedBy).toBe('client');
    expect(text).toBe('Hello there');
  });

  it('proxy – holds a fast upstream back while its client does not read: the stream waits in socket buffers, not in the proxy', async () => {
    const res = await fetch(`${h.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.good}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-flood', messages, stream: true, stream_options: { include_usage: true } }),
    });
    const reader = res.body!.getReader();
    await reader.read();
    // The client reads nothing until the upstream stops writing. Were anything on the way to take whatever
    // the upstream sends, that would be all of its 55 MB; it stops after the socket buffers along the way,
    // 4 to 9 MB here. The relay's own part, pausing the upstream until the client drains, is specified in
    // sse-relay.spec.
    let written = -1;
    for (let i = 0; i < 50 && h.upstream.floodWritten !== written; i += 1) {
      written = h.upstream.floodWritten;
      await new Promise((r) => setTimeout(r, 200));
    }
    const total = FLOOD_EVENTS * 1_100;
    expect(h.upstream.floodWritten).toBeLessThan(total / 2);

    let tail = '';
    let received = 0;
    const decoder = new TextDecoder();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      received += r.value.length;
      tail = (tail + decoder.decode(r.value, { stream: true })).slice(-200);
    }
    expect(received).toBeGreaterThan(total);
    expect(tail.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('proxy – keeps the usage-only chunk from a client that did not ask for it, and meters it', async () => {
    const { data: stream, request_id } = await h.client().chat.completions.create({ model: 'gpt-test', messages, stream: true }).withResponse();
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => c.choices.length > 0)).toBe(true);
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(h.upstream.requestsFor('up-ok').at(-1)!.body.stream_options).toEqual({ include_usage: true });
    expect(await h.usageEvent(request_id!)).toMatchObject({
      stream: true,
      status: 200,
      incomplete: false,
      promptTokens: 11,
      completionTokens: 3,
      cachedTokens: 2,
      usageSource: 'upstream',
    });
  });

  it('proxy – forwards the usage chunk to a client that asked for it', async () => {
    const stream = await h.client().chat.completions.create({
      model: 'gpt-test',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 11, completion_tokens: 3 } });
  });

  it('proxy – fails over to the second candidate when the first answers 500', async () => {
    const { data, request_id } = await h.client().chat.completions.create({ model: 'gpt-failover', messages }).withResponse();
    expect(data.choices[0]?.message.content).toBe('Hello there from up-ok');
    expect(h.upstream.requestsFor('up-500').length).toBeGreaterThan(0);
    expect(await h.usageEvent(request_id!)).toMatchObject({ deploymentId: 'dep-ok-2', status: 200 });
  });

  it('proxy – fails over a stream too, when nothing was sent to the client yet', async () => {
    const stream = await h.client().chat.completions.create({ model: 'gpt-failover', messages, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello there');
  });

  it('proxy – passes an upstream 400 on as it is, without trying the next candidate', async () => {
    const before = h.upstream.requestsFor('up-ok').length;
    const err = await h.client().chat.completions.create({ model: 'gpt-bad-param', messages }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect(err).toMatchObject({ status: 400, code: 'invalid_value', param: 'temperature', type: 'invalid_request_error' });
    expect(h.upstream.requestsFor('up-ok')).toHaveLength(before);
  });

  it('proxy – answers with the last upstream error when every candidate failed', async () => {
    const err = await h.client().chat.completions.create({ model: 'gpt-all-fail', messages }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 500, type: 'server_error' });
    expect((err as APIError).message).toContain('The server had an error');
  });
});

describe('proxy – token counts (Anthropic’s count_tokens, OpenAI’s responses/input_tokens)', () => {
  const count = (model: string, body: Record<string, unknown> = { messages: [{ role: 'user', content: 'Count me in' }] }) =>
    fetch(`${h.proxy.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': keys.good, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model, ...body }),
    });

  it('proxy – passes an Anthropic deployment’s own count through, sent to it with its model and the upstream credential', async () => {
    const res = await count('claude-count');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-aigw-usage-source')).toBe('upstream');
    expect(await res.json()).toEqual({ input_tokens: 42 });
    const sent = h.upstream.requestsFor('up-count').at(-1)!;
    expect(sent.path).toBe('/v1/messages/count_tokens');
    expect(sent.body).toEqual({ model: 'up-count', messages: [{ role: 'user', content: 'Count me in' }] });
    expect(sent.apiKey).toBe(UPSTREAM_SECRET);
  });

  it('proxy – counts itself for an OpenAI-format deployment, which has no counting endpoint, and asks no upstream', async () => {
    const before = h.upstream.requests.length;
    const res = await count('gpt-test');
    expect(res.headers.get('x-aigw-usage-source')).toBe('gateway');
    expect(await res.json()).toEqual({ input_tokens: countTokens('Count me in') + 3 + 3 });
    expect(h.upstream.requests).toHaveLength(before);
  });

  it('proxy – answers 502 in Anthropic’s shape when the upstream refuses the gateway’s credential: the client’s key is not at fault', async () => {
    const res = await count('claude-refused');
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({
      type: 'error',
      error: { type: 'api_error', message: "deployment 'dep-claude-401' rejected the gateway's upstream credential (HTTP 401)." },
    });
  });

  it('proxy – serves OpenAI’s responses/input_tokens too: an OpenAI deployment’s own count, or the gateway’s for another provider', async () => {
    const { data: counted, response } = await h.client().responses.inputTokens.count({ model: 'gpt-test', instructions: 'Be brief.', input: 'Count me in' }).withResponse();
    expect(response.headers.get('x-aigw-usage-source')).toBe('upstream');
    expect(counted).toEqual({ object: 'response.input_tokens', input_tokens: 42 });
    const sent = h.upstream.requests.at(-1)!;
    expect(sent.path).toBe('/v1/responses/input_tokens');
    expect(sent.body).toEqual({ model: 'up-ok', instructions: 'Be brief.', input: 'Count me in' });

    const { data: estimated, response: viaGateway } = await h.client().responses.inputTokens.count({ model: 'claude-count', input: 'Count me in' }).withResponse();
    expect(viaGateway.headers.get('x-aigw-usage-source')).toBe('gateway');
    expect(estimated).toEqual({ object: 'response.input_tokens', input_tokens: countTokens('Count me in') });
  });

  it('proxy – refuses a conversation without messages in Anthropic’s words, before asking anyone', async () => {
    const res = await count('claude-count', {});
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'messages: Field required' } });
  });
});

describe('proxy – embeddings and models', () => {
  it('proxy – answers embeddings and meters their prompt tokens', async () => {
    const { data, request_id } = await h.client().embeddings.create({ model: 'embed-test', input: 'hello', encoding_format: 'float' }).withResponse();
    expect(data.data[0]?.embedding).toEqual([0.1, -0.2, 0.3]);
    expect(h.upstream.requestsFor('up-embed').at(-1)!.path).toBe('/v1/embeddings');
    expect(await h.usageEvent(request_id!)).toMatchObject({
      operation: 'embeddings',
      deploymentId: 'dep-embed',
      promptTokens: 7,
      completionTokens: 0,
      usageSource: 'upstream',
    });
  });

  it('proxy – lists the router’s model aliases in OpenAI’s format', async () => {
    const page = await h.client().models.list();
    expect(page.data.map((m) => m.id)).toEqual(expect.arrayContaining(['gpt-test', 'embed-test']));
    expect(page.data[0]).toEqual({ id: expect.any(String), object: 'model', created: 1_700_000_000, owned_by: 'fake' });
  });

  it('proxy – requires a key to list models', async () => {
    await expect(h.client('sk-wrong').models.list()).rejects.toMatchObject({ status: 401 });
  });

  it('proxy – retrieves one model alias in OpenAI’s format, slashes in its id included', async () => {
    expect(await h.client().models.retrieve('gpt-test')).toEqual({ id: 'gpt-test', object: 'model', created: 1_700_000_000, owned_by: 'fake' });
    expect(await h.client().models.retrieve('team/gpt-test')).toMatchObject({ id: 'team/gpt-test', object: 'model' });
  });

  it('proxy – answers 404 model_not_found for a model alias it does not serve', async () => {
    await expect(h.client().models.retrieve('no-such-model')).rejects.toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
  });

  it('proxy – answers a client that sends anthropic-version in Anthropic’s shapes: model pages, one model, errors', async () => {
    const get = async (path: string) => {
      const res = await fetch(`${h.proxy.url}${path}`, { headers: { 'x-api-key': keys.good, 'anthropic-version': '2023-06-01' } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const first = await get('/v1/models?limit=1');
    expect(first.body).toEqual({
      data: [{ type: 'model', id: first.body.first_id, display_name: first.body.first_id, created_at: '2023-11-14T22:13:20Z' }],
      has_more: true,
      first_id: expect.any(String),
      last_id: first.body.first_id,
    });
    const second = await get(`/v1/models?limit=1&after_id=${encodeURIComponent(first.body.last_id as string)}`);
    expect(second.body.first_id).not.toBe(first.body.first_id);
    expect((await get('/v1/models/gpt-test')).body).toEqual({ type: 'model', id: 'gpt-test', display_name: 'gpt-test', created_at: '2023-11-14T22:13:20Z' });
    expect(await get('/v1/models/no-such-model')).toEqual({
      status: 404,
      body: { type: 'error', error: { type: 'not_found_error', message: expect.stringContaining("'no-such-model'") } },
    });
    expect(await get('/v1/models?limit=0')).toEqual({
      status: 400,
      body: { type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('limit') } },
    });
  });
});

describe('proxy – access log', () => {
  it('proxy – writes one access line per request, with identity, tokens and durations but never a secret', async () => {
    const { request_id } = await h.client().chat.completions.create({ model: 'gpt-test', messages }).withResponse();
    await h.usageEvent(request_id!);
    const lines = h.logs.filter((l) => l.includes(request_id!) && l.includes('"msg":"request"'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      reqId: request_id,
      keyId: 'key_good',
      tenant: 'tenant-a',
      model: 'gpt-test',
      deployment: 'dep-ok',
      status: 200,
      promptTokens: 12,
      completionTokens: 5,
      durationMs: expect.any(Number),
    });
    const all = h.logs.join('\n');
    for (const secret of [...Object.values(keys), UPSTREAM_SECRET]) expect(all).not.toContain(secret);
  });
});
