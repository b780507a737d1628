import { APIError } from 'openai';
import { keys, startHarness, UPSTREAM_SECRET, type Harness } from './harness';

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
