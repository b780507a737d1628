import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startGateway, type GatewayUnderTest } from './gateway-stack';

let gw: GatewayUnderTest;
let openai: OpenAI;

beforeAll(async () => {
  gw = await startGateway();
  openai = new OpenAI({ baseURL: gw.stack.urls.gateway, apiKey: gw.keys.client, maxRetries: 0 });
}, 120_000);

afterAll(async () => {
  await gw?.close();
});

async function setMockBehavior(body: unknown): Promise<void> {
  const res = await fetch(`${gw.stack.urls.mockProvider.replace(/\/v1$/, '')}/_mock/behavior`, {
    method: body === null ? 'DELETE' : 'PUT',
    headers: { 'content-type': 'application/json' },
    body: body === null ? undefined : JSON.stringify(body),
  });
  expect(res.ok).toBe(true);
}

async function usageRows(key: string, query = ''): Promise<Array<Record<string, number | string>>> {
  const res = await fetch(`${gw.stack.urls.metering}/usage${query}`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: Array<Record<string, number | string>> }).data;
}

/** Polls the metering API until `predicate` holds: usage is aggregated off the request path. */
async function eventually<T>(read: () => Promise<T>, predicate: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!predicate(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

const rawPost = (path: string, body: string | Buffer, key: string | null = gw.keys.client) =>
  fetch(`${gw.stack.urls.gateway}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body,
  });

describe('gateway – the request path through every service', () => {
  it('answers a non-stream chat completion with content and usage', async () => {
    const res = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello to the gateway' }],
    });
    expect(res.object).toBe('chat.completion');
    expect(res.choices[0].message.content).toEqual(expect.any(String));
    expect(res.choices[0].message.content!.length).toBeGreaterThan(0);
    expect(res.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(res.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('streams a chat completion chunk by chunk', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Stream a few words please' }],
      stream: true,
    });
    const pieces: string[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      // The client did not ask for usage, so every chunk it sees carries a choice.
      expect(chunk.choices.length).toBe(1);
      if (chunk.choices[0].delta.content) pieces.push(chunk.choices[0].delta.content);
      finish = chunk.choices[0].finish_reason ?? finish;
    }
    expect(pieces.length).toBeGreaterThan(1);
    expect(finish).toBe('stop');
  });

  it('gives usage in the stream when the client asks for it', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Count my tokens' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) usage = chunk.usage ?? usage;
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('creates embeddings', async () => {
    const res = await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['one', 'two'] });
    expect(res.data).toHaveLength(2);
    expect(res.data[0].embedding.length).toBeGreaterThan(0);
    expect(res.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('lists the configured model aliases', async () => {
    const ids: string[] = [];
    for await (const m of openai.models.list()) ids.push(m.id);
    expect(ids.sort()).toEqual(['gpt-4o-mini', 'text-embedding-3-small']);
  });

  it('records every call in the metering API, per key and model', async () => {
    const before = await usageRows(gw.keys.admin, '?key=key_acme&model=gpt-4o-mini');
    const count = (rows: typeof before) => rows.reduce((n, r) => n + Number(r.requests), 0);
    const res = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'bill me once' }] });
    const rows = await eventually(
      () => usageRows(gw.keys.admin, '?key=key_acme&model=gpt-4o-mini'),
      (r) => count(r) === count(before) + 1,
    );
    expect(count(rows)).toBe(count(before) + 1);
    const tokens = (r: typeof rows) => r.reduce((n, x) => n + Number(x.completion_tokens), 0);
    expect(tokens(rows) - tokens(before)).toBe(res.usage!.completion_tokens);
  });

  it('fails over to the next deployment when the first answers 500', async () => {
    await setMockBehavior({ models: { 'mock-gpt-primary': { faultStatus: 500 } } });
    try {
      const res = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'still there?' }] });
      expect(res.model).toBe('mock-gpt-secondary');
      const stream = await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'still streaming?' }],
        stream: true,
      });
      const models = new Set<string>();
      for await (const chunk of stream) models.add(chunk.model);
      expect([...models]).toEqual(['mock-gpt-secondary']);
    } finally {
      await setMockBehavior(null);
    }
  });
});

describe('gateway – errors in OpenAI format', () => {
  it('401 for a missing or unknown key', async () => {
    const noKey = await rawPost('/chat/completions', JSON.stringify({ model: 'gpt-4o-mini', messages: [] }), null);
    expect(noKey.status).toBe(401);
    expect(((await noKey.json()) as { error: { message: string } }).error.message).toMatch(/API key/);
    const bad = new OpenAI({ baseURL: gw.stack.urls.gateway, apiKey: 'sk-aigw-not-a-real-key', maxRetries: 0 });
    await expect(bad.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      status: 401,
      code: 'invalid_api_key',
    });
  });

  it('404 for an unknown model', async () => {
    await expect(openai.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
    });
  });

  it('400 for malformed JSON and 413 for a body over 32 MiB, while a photo sent as base64 passes', async () => {
    const malformed = await rawPost('/chat/completions', '{"model": "gpt-4o-mini", "messages": [');
    expect(malformed.status).toBe(400);
    const body = (await malformed.json()) as { error: { message: string; type: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/JSON/);

    const photo = `data:image/jpeg;base64,${Buffer.alloc(3 * 1024 * 1024, 7).toString('base64')}`;
    const described = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is in this photo?' }, { type: 'image_url', image_url: { url: photo } }] }],
    });
    expect(described.choices[0]?.message.content).toBeTruthy();

    const big = await rawPost('/chat/completions', JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(33 * 1024 * 1024) }] }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { message: string } }).error.message).toMatch(/larger than the limit of 33554432 bytes/);
  });

  it('429 with retry-after once the key used its requests per minute', async () => {
    const limited = new OpenAI({ baseURL: gw.stack.urls.gateway, apiKey: gw.keys.limited, maxRetries: 0 });
    const ask = () => limited.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    for (let i = 0; i < 3; i++) {
      const { response } = await ask();
      expect(response.headers.get('x-ratelimit-limit-requests')).toBe('3');
      expect(response.headers.get('x-ratelimit-remaining-requests')).toBe(String(2 - i));
    }
    const refused = await ask().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    const err = refused as InstanceType<typeof OpenAI.RateLimitError>;
    expect(Number(err.headers?.get('retry-after'))).toBeGreaterThan(0);
    expect(err.message).toMatch(/requests per minute/);
  });

  it('503 naming the service when quota is down, and recovery when it is back', async () => {
    await gw.stack.services.get('quota')!.stop();
    try {
      await expect(openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
        status: 503,
        message: expect.stringMatching(/quota/),
      });
    } finally {
      await gw.stack.restart('quota');
    }
    const res = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });
    expect(res.choices).toHaveLength(1);
  });
});

describe('gateway – secrets', () => {
  it('never writes a gateway key to any service log', async () => {
    const logDir = join(gw.stack.dataDir, 'logs');
    const logs = readdirSync(logDir).map((f) => readFileSync(join(logDir, f), 'utf8')).join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const key of Object.values(gw.keys)) expect(logs).not.toContain(key);
  });
});
