import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startStack, type Stack } from '@aigw/stack';
import { freePorts } from '@aigw/testing';
import { startGateway, type GatewayUnderTest } from './gateway-stack';

/**
 * Quotas through the whole gateway, with two proxies and two quota replicas on one NATS and one Redis:
 * exact request limits, concurrency slots freed by a client going away and by a proxy dying, and a budget
 * that reservations hold and usage events settle.
 */
const LEASE_TTL_MS = 2000;
const CONFIG = `
providers:
  mock:
    kind: openai
    baseUrl: \${MOCK_PROVIDER_URL}/v1
    credentialEnv: MOCK_PROVIDER_API_KEY
deployments:
  chat: { provider: mock, model: mock-gpt-chat }
  slow: { provider: mock, model: mock-gpt-slow }
  budget: { provider: mock, model: mock-gpt-budget }
models:
  gpt-4o-mini: { deployments: [chat] }
  gpt-slow: { deployments: [slow] }
  gpt-budget: { deployments: [budget] }
  gpt-tpm: { deployments: [chat] }
  gpt-one: { deployments: [chat] }
keys:
  - { id: key_admin, tenant: ops, role: admin, secretEnv: AIGW_DEMO_KEY }
  - { id: key_acme, tenant: acme, role: client, secretEnv: E2E_CLIENT_KEY }
  - { id: key_limited, tenant: limited, role: client, secretEnv: E2E_LIMITED_KEY, rpm: 100 }
quota:
  defaults: { rpm: 100000 }
  models:
    gpt-slow: { maxConcurrent: 1 }
    gpt-budget: { dailyBudgetMicros: 41000, tpm: 100000 }
    gpt-tpm: { tpm: 200 }
    gpt-one: { maxConcurrent: 1 }
  leaseTtlMs: ${LEASE_TTL_MS}
prices:
  currency: USD
  models:
    mock-gpt-chat: [{ from: "2024-01-01", input: "0.15", output: "0.60" }]
    mock-gpt-slow: [{ from: "2024-01-01", input: "0.15", output: "0.60" }]
    mock-gpt-budget: [{ from: "2024-01-01", input: "1000", output: "1000" }]
`;
const MOCK_KEY = 'mock-e2e-quota';

let gw: GatewayUnderTest;
let replicas: Stack;
let replicaDir: string;
/** The gateway URL of each proxy: the stack's own and the second replica's. */
let proxies: string[];

beforeAll(async () => {
  // A generous bus deadline: 500 requests at once on a small shared machine must not time out half-decided.
  const env = { MOCK_PROVIDER_API_KEY: MOCK_KEY, BUS_TIMEOUT_MS: '5000' };
  gw = await startGateway({ config: CONFIG, env });
  replicaDir = mkdtempSync(join(tmpdir(), 'aigw-e2e-replicas-'));
  replicas = await startStack({
    natsUrl: gw.natsUrl,
    redisUrl: gw.redisUrl,
    dataDir: replicaDir,
    demoKey: gw.keys.admin,
    services: ['quota', 'proxy'],
    ports: { ...(await freePorts(['PORT', 'QUOTA_OPS_PORT'])), MOCK_PROVIDER_PORT: gw.stack.services.get('mock-provider')!.port },
    env: { ...env, AIGW_CONFIG: gw.configPath, LOG_LEVEL: 'info' },
  });
  proxies = [gw.stack.urls.gateway, replicas.urls.gateway];
  // Streams of the slow and the budget models last long enough to be cut or overlap.
  const mock = gw.stack.urls.mockProvider.replace(/\/v1$/, '');
  const behavior = { models: { 'mock-gpt-slow': { chunkDelayMs: 300 }, 'mock-gpt-budget': { chunkDelayMs: 100 } } };
  const put = await fetch(`${mock}/_mock/behavior`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(behavior) });
  expect(put.status).toBe(200);
}, 120_000);

afterAll(async () => {
  await replicas?.stop();
  await gw?.close();
  if (replicaDir) rmSync(replicaDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function chat(proxy: string, key: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
  return fetch(`${proxy}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'Say hello to the quota' }], ...body }),
    signal,
  });
}

/** Starts a stream and returns once its first event arrived, with a way to cut it and to read it to the end. */
async function openStream(proxy: string, key: string, model: string, extra: Record<string, unknown> = {}) {
  const abort = new AbortController();
  const res = await chat(proxy, key, { model, stream: true, ...extra }, abort.signal);
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  await reader.read();
  return {
    cut: () => abort.abort(),
    async finish() {
      while (!(await reader.read()).done);
    },
  };
}

/** Polls a request until it is admitted; returns how long that took. */
async function admittedWithin(send: () => Promise<Response>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const res = await send();
    await res.body?.cancel();
    if (res.status === 200) return Date.now() - started;
    expect(res.status).toBe(429);
    if (Date.now() - started > timeoutMs) throw new Error(`still refused after ${timeoutMs} ms`);
    await sleep(50);
  }
}

describe('quota e2e – requests per minute', () => {
  test('quota e2e – admits exactly 100 of 500 concurrent requests over two proxies and two quota replicas', async () => {
    const replies = await Promise.all(
      Array.from({ length: 500 }, async (_, i) => {
        const res = await chat(proxies[i % 2], gw.keys.limited, { model: 'gpt-4o-mini' });
        return { status: res.status, headers: res.headers, body: (await res.json()) as { error?: { type: string; code: string } } };
      }),
    );
    const statuses: Record<number, number> = {};
    for (const r of replies) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    expect(statuses).toEqual({ 200: 100, 429: 400 });
    const refused = replies.filter((r) => r.status !== 200);
    for (const r of refused) {
      expect(r.status).toBe(429);
      expect(r.body.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(r.headers.get('x-ratelimit-limit-requests')).toBe('100');
      expect(r.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    }
  });
});

describe('quota e2e – concurrency', () => {
  test('quota e2e – a client that disconnects mid-stream frees its slot at once', async () => {
    const stream = await openStream(proxies[0], gw.keys.client, 'gpt-slow');
    const refused = await chat(proxies[1], gw.keys.client, { model: 'gpt-slow' });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
      /^Too many concurrent requests on key key_acme for model gpt-slow: limit 1, in flight 1\./,
    );
    stream.cut();
    expect(await admittedWithin(() => chat(proxies[1], gw.keys.client, { model: 'gpt-slow', max_tokens: 1 }), 1000)).toBeLessThan(500);
  });

  test('quota e2e – a client that sends its next request the moment a response ends is never refused its own slot', async () => {
    const statuses: string[] = [];
    for (let i = 0; i < 40; i += 1) {
      const stream = i % 2 === 1;
      const res = await chat(proxies[i % 2], gw.keys.client, { model: 'gpt-one', stream });
      const text = await res.text();
      statuses.push(res.status === 200 ? '200' : `${i} ${stream ? 'after a stream' : 'after a body'}: ${text}`);
    }
    expect(statuses.filter((s) => s !== '200')).toEqual([]);
  });

  test("quota e2e – a killed proxy's slots come back after the lease TTL", async () => {
    await openStream(proxies[1], gw.keys.admin, 'gpt-slow');
    await replicas.services.get('proxy')!.stop(true);
    const killedAt = Date.now();
    const send = () => chat(proxies[0], gw.keys.admin, { model: 'gpt-slow', max_tokens: 1 });
    const refused = await send();
    expect(refused.status).toBe(429);
    await refused.body?.cancel();
    await admittedWithin(send, 2 * LEASE_TTL_MS);
    // The lease was last renewed at most a third of the TTL before the kill.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual((2 * LEASE_TTL_MS) / 3 - 100);
    await replicas.restart('proxy');
  });
});

describe('quota e2e – n completions', () => {
  test('quota e2e – reserves max_tokens for each of n completions: n=128 cannot get around 200 tokens per minute', async () => {
    const ask = { model: 'gpt-tpm', max_tokens: 8 };
    const one = await chat(proxies[0], gw.keys.admin, ask);
    expect(one.status).toBe(200);
    await one.body?.cancel();
    // 6 prompt tokens (estimated) + 8.
    expect(Number(one.headers.get('x-ratelimit-remaining-tokens'))).toBe(200 - 14);
    const two = await chat(proxies[1], gw.keys.admin, { ...ask, n: 2 });
    await two.body?.cancel();
    // 6 + 8 × 2 more; the first may have been settled meanwhile at its actual 13, giving one back.
    expect(Number(two.headers.get('x-ratelimit-remaining-tokens'))).toBeGreaterThanOrEqual(200 - 14 - 22);
    expect(Number(two.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThanOrEqual(200 - 14 - 22 + 1);
    const many = await chat(proxies[0], gw.keys.admin, { ...ask, n: 128 });
    expect(many.status).toBe(429);
    expect(((await many.json()) as { error: { type: string } }).error.type).toBe('tokens');
  });
});

describe('quota e2e – tokens and budget', () => {
  // 'Say hello to the quota': 22 characters, estimated 6 prompt tokens; with max_tokens 8 a request may
  // cost (6 + 8) × 1000 = 14 000 micro-units. The mock bills 5 prompt words and 8 completion slices:
  // 13 000 actual. The budget of 41 000 holds two in flight (a third would make 42 000); once those are
  // settled (26 000) a third fits, and after it (39 000) nothing more does.
  const ask = { model: 'gpt-budget', max_tokens: 8 };

  test('quota e2e – a request whose worst case is over the whole budget is a 400 naming it, with no retry-after', async () => {
    // (6 + 100) × 1000 = 106 000 micro-units, against a daily budget of 41 000.
    const res = await chat(proxies[0], gw.keys.client, { model: 'gpt-budget', max_tokens: 100 });
    expect(res.status).toBe(400);
    expect(res.headers.get('retry-after')).toBeNull();
    const { error } = (await res.json()) as { error: { message: string; param: string; code: string } };
    expect(error).toMatchObject({ param: 'max_tokens', code: 'invalid_request' });
    expect(error.message).toBe(
      'This request may cost up to 0.106000 USD, more than the whole daily budget of 0.041000 USD on key key_acme for model gpt-budget: ' +
        'no retry can succeed. Lower max_tokens or send a shorter prompt.',
    );
  });

  test('quota e2e – reports the tokens window, refuses over the budget with insufficient_quota, admits again once usage is settled', async () => {
    const first = await chat(proxies[0], gw.keys.admin, ask);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('100000');
    expect(Number(first.headers.get('x-ratelimit-remaining-tokens'))).toBe(100000 - 14);
    await first.body?.cancel();

    const client = new OpenAI({ baseURL: proxies[1], apiKey: gw.keys.client, maxRetries: 0 });
    const streams = [await openStream(proxies[0], gw.keys.client, 'gpt-budget', ask), await openStream(proxies[1], gw.keys.client, 'gpt-budget', ask)];
    const refused = await client.chat.completions.create({ ...ask, messages: [{ role: 'user', content: 'Say hello to the quota' }] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    const err = refused as InstanceType<typeof OpenAI.RateLimitError>;
    expect(err.status).toBe(429);
    expect(err.error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' });
    expect(err.message).toMatch(/Daily budget exhausted on key key_acme for model gpt-budget: budget 0\.041000 USD, spent 0\.028000 USD, this request may cost up to 0\.014000 USD\./);

    await Promise.all(streams.map((s) => s.finish()));
    await admittedWithin(() => chat(proxies[1], gw.keys.client, ask), 5000);
    await sleep(500);
    const spent = await chat(proxies[0], gw.keys.client, ask);
    expect(spent.status).toBe(429);
    expect(((await spent.json()) as { error: { message: string } }).error.message).toMatch(/spent 0\.039000 USD/);
  });
});
