import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PORT_ENVS, StackError, generateKey, stackFileOf, startStack, writeStackFile, type Stack, type StackFile } from '@aigw/stack';
import { freePorts, startNatsServer, startRedisServer, type TestServer } from '@aigw/testing';
import { attachBenchStack, type BenchStack } from '../src/bench-stack';

/** A stack as `npm start` leaves one: tight limits, and its own pacing on the mock. */
const CONFIG = `
providers:
  mock:
    kind: openai
    baseUrl: \${MOCK_PROVIDER_URL}/v1
    credentialEnv: MOCK_PROVIDER_API_KEY
deployments:
  chat: { provider: mock, model: mock-chat }
models:
  small-chat:
    deployments: [chat]
keys:
  - { id: key_demo, tenant: demo, role: admin, secretEnv: AIGW_DEMO_KEY }
quota:
  defaults: { rpm: 3 }
`;

describe('npm run bench -- --running: the bench on a stack it did not start', () => {
  let dir: string;
  let nats: TestServer;
  let redis: TestServer;
  let stack: Stack;
  let file: StackFile;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-running-'));
    writeFileSync(join(dir, 'gateway.yaml'), CONFIG);
    const demoKey = generateKey();
    const mockKey = `mock-${generateKey()}`;
    writeFileSync(join(dir, 'demo-key'), `${demoKey}\n`);
    writeFileSync(join(dir, 'mock-provider-key'), `${mockKey}\n`);
    nats = await startNatsServer();
    redis = await startRedisServer();
    stack = await startStack({
      natsUrl: nats.url,
      redisUrl: redis.url,
      dataDir: dir,
      demoKey,
      ports: await freePorts(PORT_ENVS),
      env: { AIGW_CONFIG: join(dir, 'gateway.yaml'), MOCK_PROVIDER_API_KEY: mockKey, MOCK_TTFT_MS: '7', LOG_LEVEL: 'warn' },
    });
    file = stackFileOf(stack, { natsUrl: nats.url, redisUrl: redis.url });
    writeStackFile(join(dir, 'stack.json'), file);
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    await nats?.cleanup();
    await redis?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const chat = (b: BenchStack, key = b.key) =>
    fetch(`${b.gateway}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: b.model, messages: [{ role: 'user', content: 'hi' }] }),
    });
  const pacing = async (b: BenchStack) => ((await (await fetch(`${b.mock}/_mock/behavior`)).json()) as { ttftMs: number }).ttftMs;

  it('finds every process, loads it with a key of its own beyond the stack’s limits, and leaves the stack as it was', async () => {
    const b = await attachBenchStack({ model: 'small-chat', dataDir: dir });
    expect(b.gatewayPids).toEqual({
      proxy: file.pids.proxy,
      auth: file.pids.auth,
      quota: file.pids.quota,
      router: file.pids.router,
      metering: file.pids.metering,
      nats: nats.process.pid,
      redis: redis.process.pid,
    });
    expect(b.mockPid).toBe(file.pids['mock-provider']);

    // The stack's keys get 3 requests a minute; the bench's own key is not held to that.
    const statuses = await Promise.all(Array.from({ length: 8 }, async () => (await chat(b)).status));
    expect(statuses).toEqual(Array(8).fill(200));
    await fetch(`${b.mock}/_mock/behavior`, { method: 'PUT', body: JSON.stringify({ ttftMs: 0 }) });
    expect(await pacing(b)).toBe(0);

    const key = b.key;
    await b.close();
    expect(await pacing(b)).toBe(7);
    expect((await chat(b, key)).status).toBe(401);
  });

  it('runs again on the tenant an earlier run made, with a new key', async () => {
    const b = await attachBenchStack({ model: 'small-chat', dataDir: dir });
    try {
      expect((await chat(b)).status).toBe(200);
    } finally {
      await b.close();
    }
    expect((await chat(b)).status).toBe(401);
  });

  it('refuses a stack file whose processes are gone, saying to start the stack again', async () => {
    const goneDir = mkdtempSync(join(tmpdir(), 'bench-gone-'));
    try {
      writeStackFile(join(goneDir, 'stack.json'), { ...file, pids: { ...file.pids, proxy: 2 ** 22 + 1 } });
      const attached = attachBenchStack({ model: 'small-chat', dataDir: goneDir });
      await expect(attached).rejects.toThrow(StackError);
      await expect(attached).rejects.toThrow(/is not running \(proxy \d+ gone\): start it again with `npm start`/);
    } finally {
      rmSync(goneDir, { recursive: true, force: true });
    }
  });
});
