import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { REPO_ROOT } from '@aigw/stack';
import { startGateway, type GatewayUnderTest } from './gateway-stack';

/**
 * Routing and resilience through the whole stack: the proxy reports every upstream attempt, the router's
 * circuit breakers and latency averages act on the reports, and the routing configuration changes in KV.
 */
const CONFIG = `
providers:
  mock:
    kind: openai
    baseUrl: \${MOCK_PROVIDER_URL}/v1
    credentialEnv: MOCK_PROVIDER_API_KEY
deployments:
  chat-primary: { provider: mock, model: mock-gpt-primary }
  chat-secondary: { provider: mock, model: mock-gpt-secondary }
  lat-fast: { provider: mock, model: mock-lat-fast }
  lat-mid: { provider: mock, model: mock-lat-mid }
  lat-slow: { provider: mock, model: mock-lat-slow }
models:
  gpt-4o-mini:
    deployments:
      - { id: chat-primary, priority: 1 }
      - { id: chat-secondary, priority: 2 }
  quick:
    strategy: latency
    deployments: [lat-slow, lat-mid, lat-fast]
keys:
  - { id: key_admin, tenant: ops, role: admin, secretEnv: AIGW_DEMO_KEY }
  - { id: key_acme, tenant: acme, role: client, secretEnv: E2E_CLIENT_KEY }
quota:
  defaults: { rpm: 100000 }
routing:
  breaker: { consecutiveFailures: 3, cooldownMs: 30000 }
  latency: { alpha: 0.5, exploration: 0.1 }
prices:
  currency: USD
  models:
    mock-gpt-primary: [{ from: "2024-01-01", input: "0.15", output: "0.60" }]
    mock-gpt-secondary: [{ from: "2024-01-01", input: "0.15", output: "0.60" }]
    mock-lat-fast: [{ from: "2024-01-01", input: "0.15", output: "0.60" }]
    mock-lat-mid: [{ from: "2024-01-01", input: "0.15", output: "0.60" }]
    mock-lat-slow: [{ from: "2024-01-01", input: "0.15", output: "0.60" }]
`;

const run = promisify(execFile);

let gw: GatewayUnderTest;
let openai: OpenAI;

beforeAll(async () => {
  gw = await startGateway({ config: CONFIG });
  openai = new OpenAI({ baseURL: gw.stack.urls.gateway, apiKey: gw.keys.client, maxRetries: 0 });
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

/** A Prometheus sample's value from a service's /metrics, 0 when absent. */
async function metric(url: string, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const found = text.split('\n').find((line) => pattern.test(line));
  return found ? Number(found.slice(found.lastIndexOf(' ') + 1)) : 0;
}

const routerOps = () => `http://127.0.0.1:${gw.stack.services.get('router')!.port}`;
const circuitOf = (deployment: string) => metric(routerOps(), new RegExp(`^aigw_router_circuit_state\\{deployment="${deployment}"`));
const mock500s = () => metric(mockUrl(), /^mock_provider_requests_total\{route="\/v1\/chat\/completions",status="500"/);

/** One request, as a stream or not; returns the upstream model that served it (the mock echoes it). */
async function served(model: string, stream: boolean): Promise<string> {
  const messages = [{ role: 'user' as const, content: 'Route me somewhere' }];
  if (!stream) return (await openai.chat.completions.create({ model, messages })).model;
  let servedBy = '';
  for await (const chunk of await openai.chat.completions.create({ model, messages, stream: true })) servedBy = chunk.model;
  return servedBy;
}

/** `npm run routes -- ...` against this stack's NATS. */
function routesCli(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'apps/router/src/cli.ts', ...args], { cwd: REPO_ROOT, env: { ...process.env, NATS_URL: gw.natsUrl } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

describe('routing – circuit breaking through the proxy', () => {
  it('a deployment that starts failing with 500s has its circuit opened and its traffic moved within 5 s, and no client sees a failure', async () => {
    expect(await served('gpt-4o-mini', false)).toBe('mock-gpt-primary');
    await setMockBehavior({ models: { 'mock-gpt-primary': { faultStatus: 500 } } });
    const faultedAt = Date.now();
    const answers: string[] = [];
    // Every request must succeed (the proxy retries the next deployment before anything reaches the client).
    for (let i = 0; Date.now() - faultedAt < 5_000 && (await circuitOf('chat-primary')) !== 3; i += 1) {
      answers.push(await served('gpt-4o-mini', i % 2 === 1));
    }
    const openedAfterMs = Date.now() - faultedAt;
    expect(await circuitOf('chat-primary')).toBe(3);
    expect(openedAfterMs).toBeLessThan(5_000);
    expect(answers.every((model) => model === 'mock-gpt-secondary')).toBe(true);

    // Traffic has moved: the failing deployment is not even tried any more.
    const failedBefore = await mock500s();
    for (let i = 0; i < 20; i += 1) expect(await served('gpt-4o-mini', i % 2 === 0)).toBe('mock-gpt-secondary');
    expect(await mock500s()).toBe(failedBefore);
    await setMockBehavior(null);
  });
});

describe('routing – latency-aware', () => {
  it('sends at least 80 % of requests to the fastest of three deployments, and re-admits one that recovered', async () => {
    await setMockBehavior({ models: { 'mock-lat-fast': { ttftMs: 10 }, 'mock-lat-mid': { ttftMs: 60 }, 'mock-lat-slow': { ttftMs: 150 } } });
    const first: string[] = [];
    for (let i = 0; i < 100; i += 1) first.push(await served('quick', i % 2 === 0));
    expect(first.filter((m) => m === 'mock-lat-fast').length).toBeGreaterThanOrEqual(80);

    // The fastest turns slow: traffic moves to the next fastest.
    await setMockBehavior({ models: { 'mock-lat-fast': { ttftMs: 300 } } });
    const slowed: string[] = [];
    for (let i = 0; i < 30; i += 1) slowed.push(await served('quick', i % 2 === 0));
    expect(slowed.slice(-10).filter((m) => m === 'mock-lat-mid').length).toBeGreaterThanOrEqual(8);

    // It recovers: exploration measures it again and it wins its traffic back.
    await setMockBehavior({ models: { 'mock-lat-fast': { ttftMs: 10 } } });
    const recovered: string[] = [];
    for (let i = 0; i < 150; i += 1) {
      recovered.push(await served('quick', i % 2 === 0));
      if (recovered.slice(-10).filter((m) => m === 'mock-lat-fast').length >= 8) break;
    }
    expect(recovered.slice(-10).filter((m) => m === 'mock-lat-fast').length).toBeGreaterThanOrEqual(8);
    await setMockBehavior(null);
  }, 60_000);
});

describe('routing – configuration in NATS KV', () => {
  it('a change made with the routes CLI is used by the requests after it, within a second, without a restart', async () => {
    expect(['mock-lat-fast', 'mock-lat-mid', 'mock-lat-slow']).toContain(await served('quick', false));
    const cli = await routesCli('set', 'models/quick/deployments', '[lat-slow]');
    expect(cli).toMatchObject({ code: 0, stdout: expect.stringMatching(/^stored revision \d+/) });
    const storedAt = Date.now();
    let model = await served('quick', false);
    while (model !== 'mock-lat-slow' && Date.now() - storedAt < 1_000) model = await served('quick', false);
    expect(model).toBe('mock-lat-slow');
    expect(Date.now() - storedAt).toBeLessThan(1_000);
    for (let i = 0; i < 5; i += 1) expect(await served('quick', i % 2 === 0)).toBe('mock-lat-slow');
  });

  it('an invalid change is refused with the reason, and the configuration in force stays', async () => {
    const cli = await routesCli('set', 'models/quick/strategy', 'fastest');
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('models.quick.strategy');
    expect(await served('quick', false)).toBe('mock-lat-slow');
    const shown = await routesCli('show', 'models/quick');
    expect(JSON.parse(shown.stdout)).toMatchObject({ strategy: 'latency', deployments: ['lat-slow'] });
  });

  it('router and proxy report no problems', () => {
    expect(gw.problems.filter((line) => /^\[(router|proxy)\]/.test(line))).toEqual([]);
  });
});
