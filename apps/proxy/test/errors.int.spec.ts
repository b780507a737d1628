import { gzipSync } from 'node:zlib';
import { APIError, AuthenticationError, NotFoundError, RateLimitError } from 'openai';
import type { OpenAIErrorBody } from '@aigw/providers';
import { Release, type ReleaseRequest } from '@aigw/contracts';
import { BUS_TIMEOUT_MS, keys, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const messages = [{ role: 'user' as const, content: 'Hi' }];

/** The error object of an answer in OpenAI's shape. */
async function errorOf(res: Response): Promise<OpenAIErrorBody['error']> {
  return ((await res.json()) as OpenAIErrorBody).error;
}

function post(path: string, body: string | Buffer, headers: Record<string, string> = { authorization: `Bearer ${keys.good}` }) {
  return fetch(`${h.proxy.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

describe('proxy – credentials', () => {
  it('proxy – answers a request without a key 401 with OpenAI’s message', async () => {
    const res = await post('/v1/chat/completions', JSON.stringify({ model: 'gpt-test', messages }), {});
    expect(res.status).toBe(401);
    const error = await errorOf(res);
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key', param: null });
    expect(error.message).toMatch(/^You didn't provide an API key\./);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('proxy – answers an unknown key 401 through the SDK', async () => {
    const err = await h.client('sk-aigw-not-a-key').chat.completions.create({ model: 'gpt-test', messages }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ status: 401, code: 'invalid_api_key' });
  });

  it('proxy – accepts the key in x-api-key too', async () => {
    const res = await post('/v1/chat/completions', JSON.stringify({ model: 'gpt-test', messages }), { 'x-api-key': keys.good });
    expect(res.status).toBe(200);
  });
});

describe('proxy – request validation', () => {
  it('proxy – answers malformed JSON 400 invalid_json', async () => {
    const res = await post('/v1/chat/completions', '{"model": "gpt-test", "messages": [');
    expect(res.status).toBe(400);
    expect((await errorOf(res))).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json' });
  });

  it('proxy – answers a JSON body that is not an object 400 invalid_json', async () => {
    const res = await post('/v1/chat/completions', '[1, 2]');
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('invalid_json');
  });

  it.each([
    ['without model', { messages }, 'model'],
    ['with an empty model', { model: '', messages }, 'model'],
    ['with a 257-character model', { model: 'm'.repeat(257), messages }, 'model'],
    ['without messages', { model: 'gpt-test' }, 'messages'],
    ['with no messages', { model: 'gpt-test', messages: [] }, 'messages'],
  ])('proxy – answers a chat body %s 400 naming the parameter', async (_label, body, param) => {
    const res = await post('/v1/chat/completions', JSON.stringify(body));
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request', param });
  });

  it('proxy – answers embeddings without input 400 naming input', async () => {
    const res = await post('/v1/embeddings', JSON.stringify({ model: 'embed-test' }));
    expect(res.status).toBe(400);
    expect((await errorOf(res)).param).toBe('input');
  });

  it('proxy – answers a compressed body 415 naming the encoding, in the shape of the API it was sent to', async () => {
    const body = gzipSync(JSON.stringify({ model: 'gpt-test', messages }));
    const chat = await post('/v1/chat/completions', body, { authorization: `Bearer ${keys.good}`, 'content-encoding': 'gzip' });
    expect(chat.status).toBe(415);
    expect(await errorOf(chat)).toMatchObject({
      type: 'invalid_request_error',
      code: 'unsupported_media_type',
      message: "Content-Encoding 'gzip' is not supported: send the request body uncompressed.",
    });
    const anthropic = await post('/v1/messages', body, { 'x-api-key': keys.good, 'anthropic-version': '2023-06-01', 'content-encoding': 'gzip' });
    expect(anthropic.status).toBe(415);
    expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/^Content-Encoding 'gzip'/) } });
  });

  it('proxy – answers a body over 1 MB 413 through the SDK', async () => {
    const big = [{ role: 'user' as const, content: 'x'.repeat(1024 * 1024 + 10) }];
    const err = await h.client().chat.completions.create({ model: 'gpt-test', messages: big }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect(err).toMatchObject({ status: 413, code: 'request_too_large' });
  });

  it('proxy – answers 413 when a chunked body passes the limit, without waiting for its end', async () => {
    const part = Buffer.alloc(256 * 1024, 'x');
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        // 2 MB, then a body that never ends: only an answer that does not wait for the end can pass.
        if (sent >= 8) return new Promise<void>(() => undefined);
        sent += 1;
        controller.enqueue(part);
      },
    });
    const res = await fetch(`${h.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.good}`, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('request_too_large');
  });
});

describe('proxy – policy', () => {
  it('proxy – answers 404 model_not_found for a model the router does not know', async () => {
    const err = await h.client().chat.completions.create({ model: 'no-such-model', messages }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
  });

  it('proxy – answers 429 with retry-after and OpenAI’s rate-limit headers when quota refuses', async () => {
    const err = await h.client(keys.limited).chat.completions.create({ model: 'gpt-test', messages }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    const { headers, error } = err as RateLimitError;
    expect(error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests per minute: limit 10.' });
    expect(headers.get('retry-after')).toBe('6');
    expect(headers.get('x-ratelimit-limit-requests')).toBe('10');
    expect(headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(headers.get('x-ratelimit-reset-requests')).toBe('6s');
    expect(h.admits.find((a) => a.keyId === 'key_limited')?.limits).toEqual({ rpm: 10 });
  });

  it('proxy – asks quota to reserve max_tokens for each of the n completions', async () => {
    await h.client().chat.completions.create({ model: 'gpt-test', messages, max_tokens: 50, n: 3 });
    expect(h.admits.at(-1)).toMatchObject({ maxTokens: 50, choices: 3 });
    await h.client().chat.completions.create({ model: 'gpt-test', messages, max_completion_tokens: 7 });
    expect(h.admits.at(-1)).toMatchObject({ maxTokens: 7 });
    expect(h.admits.at(-1)).not.toHaveProperty('choices');
  });

  it('proxy – refuses out-of-range output sizes and n in OpenAI’s words, before asking quota or the router', async () => {
    const before = h.admits.length;
    for (const [param, value, words] of [
      ['max_tokens', 1e300, /Invalid 'max_tokens': integer above maximum value\. Expected a value <= 2147483647/],
      ['max_tokens', 0, /Invalid 'max_tokens': integer below minimum value/],
      ['max_completion_tokens', 2.5, /Invalid type for 'max_completion_tokens': expected an integer, but got a decimal instead/],
      ['n', 129, /Invalid 'n': integer above maximum value\. Expected a value <= 128, but got 129 instead/],
      ['n', '3', /Invalid type for 'n': expected an integer, but got a string instead/],
    ] as const) {
      const err = await h.client().chat.completions.create({ model: 'gpt-test', messages, [param]: value } as never).catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 400, param });
      expect((err as APIError).message).toMatch(words);
      expect((err as APIError).message).not.toMatch(/router|quota|features/);
    }
    expect(h.admits.length).toBe(before);
  });

  it('proxy – refuses a model name with control characters or malformed Unicode, naming the parameter, and keeps serving', async () => {
    for (const model of ['x\r\ny', 'nul\u0000', 'lone\ud800']) {
      const err = await h.client().chat.completions.create({ model, messages }).catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 400, param: 'model', code: 'invalid_request' });
    }
    await expect(h.client().chat.completions.create({ model: 'gpt-test', messages })).resolves.toBeDefined();
  });

  it('proxy – admits a token count through quota as a request that reserves nothing, and gives it back at once', async () => {
    const res = await fetch(`${h.proxy.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': keys.good, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: 'Count me in' }] }),
    });
    expect(res.status).toBe(200);
    expect(h.admits.at(-1)).toMatchObject({ keyId: 'key_good', model: 'gpt-test', promptTokens: 0, maxTokens: 0 });
    const refused = await fetch(`${h.proxy.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': keys.limited, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: 'Count me in' }] }),
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('6');
    expect(await refused.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });

  it('proxy – answers 503 naming the quota service when it does not answer in time, and gives back what it may still reserve', async () => {
    const releases: ReleaseRequest[] = [];
    const sub = h.nc.subscribe(Release.subject, {
      callback: (_err, msg) => {
        releases.push(msg.json<ReleaseRequest>());
      },
    });
    await h.nc.flush();
    const started = Date.now();
    const err = (await h.client(keys.silentQuota).chat.completions.create({ model: 'gpt-test', messages }).catch((e: unknown) => e)) as APIError;
    expect(err).toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(err.message).toContain(`The quota service did not answer within ${BUS_TIMEOUT_MS} ms`);
    expect(Date.now() - started).toBeLessThan(BUS_TIMEOUT_MS + 1_000);
    const requestId = err.headers?.get('x-request-id');
    const deadline = Date.now() + 2_000;
    while (!releases.some((r) => r.requestId === requestId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    sub.unsubscribe();
    expect(releases.filter((r) => r.requestId === requestId)).toEqual([{ requestId, usageFollows: false }]);
  });

  it('proxy – answers 502 upstream_error naming the deployment when no upstream can be reached', async () => {
    const other = await h.startAnotherProxy({ credentials: {} });
    const res = await fetch(`${other.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.good}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-test', messages }),
    });
    expect(res.status).toBe(502);
    const error = await errorOf(res);
    expect(error).toMatchObject({ type: 'server_error', code: 'upstream_error' });
    expect(error.message).toContain("deployment 'dep-ok' has no credential (env TEST_UPSTREAM_KEY is not set)");
  });
});

describe('proxy – upstream timeouts', () => {
  it('proxy – answers 504 upstream_timeout when the upstream sends no headers in time', async () => {
    const other = await h.startAnotherProxy({
      upstream: { connections: 4, connectTimeoutMs: 1_000, headersTimeoutMs: 200, bodyTimeoutMs: 1_000 },
      // One attempt: a timeout is otherwise retried, and this test is about the one answer.
      resilience: { maxAttempts: 1 },
    });
    const started = Date.now();
    const err = await h
      .client()
      .withOptions({ baseURL: `${other.url}/v1` })
      .chat.completions.create({ model: 'gpt-hang', messages })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 504, code: 'upstream_timeout', type: 'server_error' });
    expect((err as APIError).message).toContain("deployment 'dep-hang' sent no response headers within 200 ms");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('proxy – answers a token count 504 in Anthropic’s shape when the upstream does not count within the request’s deadline', async () => {
    const other = await h.startAnotherProxy({ resilience: { totalMs: 300 } });
    const res = await fetch(`${other.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': keys.good, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-hang', messages }),
    });
    expect(res.status).toBe(504);
    expect(await res.json()).toEqual({
      type: 'error',
      error: { type: 'timeout_error', message: "The upstream did not answer in time: deployment 'dep-claude-hang' did not finish within the request's 300 ms." },
    });
  });
});

describe('proxy – other paths', () => {
  it('proxy – answers an unknown path 404 in OpenAI’s error shape', async () => {
    const res = await fetch(`${h.proxy.url}/v1/completions-typo`, { headers: { authorization: `Bearer ${keys.good}` } });
    expect(res.status).toBe(404);
    expect((await errorOf(res))).toMatchObject({ type: 'invalid_request_error', code: 'not_found' });
  });

  it('proxy – answers an unknown path in Anthropic’s error shape under /v1/messages, or for a client that sends anthropic-version', async () => {
    for (const [path, headers] of [
      ['/v1/messages/batches', { 'x-api-key': keys.good }],
      ['/v1/complete-typo', { 'x-api-key': keys.good, 'anthropic-version': '2023-06-01' }],
    ] as const) {
      const res = await fetch(`${h.proxy.url}${path}`, { method: 'POST', headers });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ type: 'error', error: { type: 'not_found_error', message: `Unknown request URL: POST ${path}.` } });
    }
  });

  it('proxy – serves an inference path with a query string or a trailing slash as it serves the exact one', async () => {
    const body = JSON.stringify({ model: 'gpt-test', messages });
    for (const path of ['/v1/chat/completions?trace=1', '/v1/chat/completions/']) {
      const res = await post(path, body);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe('Hello there from up-ok');
      const refused = await post(path, body, {});
      expect(refused.status).toBe(401);
      expect(await errorOf(refused)).toMatchObject({ code: 'invalid_api_key' });
    }
  });

  it('proxy – answers healthz, readyz and metrics', async () => {
    expect((await fetch(`${h.proxy.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${h.proxy.url}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready' });
    await h.client().chat.completions.create({ model: 'gpt-test', messages });
    const metrics = await (await fetch(`${h.proxy.url}/metrics`)).text();
    expect(metrics).toMatch(/aigw_proxy_requests_total\{route="chat.completions",status="200",model="gpt-test",provider="fake",service="proxy"\} \d+/);
    expect(metrics).toMatch(/aigw_proxy_requests_total\{route="chat.completions",status="401",service="proxy"\} \d+/);
    expect(metrics).toContain('aigw_proxy_request_duration_seconds_bucket');
    expect(metrics).toMatch(/aigw_proxy_upstream_attempts_total\{outcome="ok",deployment="[^"]+",service="proxy"\} \d+/);
  });
});
