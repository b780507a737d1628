import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PORT_ENVS, generateKey, startStack, type Stack } from '@aigw/stack';
import { freePorts, startNatsServer, startRedisServer, type TestServer } from '@aigw/testing';

/** Limits high enough that the benchmark measures the gateway's work, not its refusals. */
const CONFIG = `
providers:
  mock:
    kind: openai
    baseUrl: \${MOCK_PROVIDER_URL}/v1
    credentialEnv: MOCK_PROVIDER_API_KEY
deployments:
  bench-chat: { provider: mock, model: mock-bench }
models:
  bench-model:
    deployments: [bench-chat]
keys:
  - { id: key_bench, tenant: bench, role: admin, secretEnv: AIGW_DEMO_KEY }
quota:
  defaults: { rpm: 100000000 }
`;

export interface BenchStack {
  stack: Stack;
  key: string;
  mockKey: string;
  /** Every gateway process by name (services, NATS, Redis), for CPU and memory readings; the mock is separate. */
  gatewayPids: Record<string, number>;
  mockPid: number;
  close(): Promise<void>;
}

/** Its own NATS and Redis on free ports, then the whole stack as processes, logging warnings only. */
export async function startBenchStack(opts: { nodeArgs?: string[]; env?: Record<string, string> } = {}): Promise<BenchStack> {
  const dir = mkdtempSync(join(tmpdir(), 'aigw-bench-'));
  writeFileSync(join(dir, 'gateway.yaml'), CONFIG);
  const key = generateKey();
  const mockKey = `mock-${generateKey()}`;
  const infra: TestServer[] = [];
  const cleanup = async () => {
    for (const server of infra) await server.cleanup();
    rmSync(dir, { recursive: true, force: true });
  };
  let stack: Stack;
  try {
    infra.push(await startNatsServer(), await startRedisServer());
    const [nats, redis] = infra as [TestServer, TestServer];
    stack = await startStack({
      natsUrl: nats.url,
      redisUrl: redis.url,
      dataDir: dir,
      demoKey: key,
      ports: await freePorts(PORT_ENVS),
      env: {
        AIGW_CONFIG: join(dir, 'gateway.yaml'),
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
        MOCK_PROVIDER_API_KEY: mockKey,
        ...opts.env,
      },
      onProblem: (service, line) => console.error(`[${service}] ${line}`),
      nodeArgs: opts.nodeArgs,
    });
  } catch (err) {
    // A service that failed to start (a bad --node-args, say) must not leave NATS and Redis running.
    await cleanup();
    throw err;
  }
  const [nats, redis] = infra as [TestServer, TestServer];
  const pid = (name: string) => stack.services.get(name as never)!.child.pid!;
  return {
    stack,
    key,
    mockKey,
    gatewayPids: {
      proxy: pid('proxy'),
      auth: pid('auth'),
      quota: pid('quota'),
      router: pid('router'),
      metering: pid('metering'),
      nats: nats.process.pid!,
      redis: redis.process.pid!,
    },
    mockPid: pid('mock-provider'),
    async close() {
      await stack.stop();
      await cleanup();
    },
  };
}
