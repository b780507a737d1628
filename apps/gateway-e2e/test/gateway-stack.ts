import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PORT_ENVS, generateKey, startStack, type Stack } from '@aigw/stack';
import { freePorts, startNatsServer, startRedisServer, type TestServer } from '@aigw/testing';

/** Gateway config for the e2e suites: two chat deployments on the mock (for failover) and an embedding one. */
export const DEFAULT_CONFIG = `
providers:
  mock:
    kind: openai
    baseUrl: \${MOCK_PROVIDER_URL}/v1
    credentialEnv: MOCK_PROVIDER_API_KEY
deployments:
  chat-primary: { provider: mock, model: mock-gpt-primary }
  chat-secondary: { provider: mock, model: mock-gpt-secondary }
  embedding: { provider: mock, model: mock-embedding }
models:
  gpt-4o-mini:
    deployments:
      - { id: chat-primary, priority: 1 }
      - { id: chat-secondary, priority: 2 }
  text-embedding-3-small:
    deployments: [embedding]
keys:
  - { id: key_admin, tenant: ops, role: admin, secretEnv: AIGW_DEMO_KEY }
  - { id: key_acme, tenant: acme, role: client, secretEnv: E2E_CLIENT_KEY }
  - { id: key_limited, tenant: acme, role: client, secretEnv: E2E_LIMITED_KEY, rpm: 3 }
quota:
  defaults: { rpm: 1000 }
`;

export interface GatewayUnderTest {
  stack: Stack;
  /** The stack's own NATS, e.g. for the `routes` CLI. */
  natsUrl: string;
  /** The stack's own Redis, and the config file every service reads: for extra replicas of a service. */
  redisUrl: string;
  configPath: string;
  /** The NATS server itself: suites stop and restart it to test outages. */
  nats: TestServer;
  keys: { admin: string; client: string; limited: string };
  /** Lines services reported at warn level or above, or on stderr. */
  problems: string[];
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** Gateway config text; DEFAULT_CONFIG by default. Keys: AIGW_DEMO_KEY, E2E_CLIENT_KEY, E2E_LIMITED_KEY. */
  config?: string;
  /** Extra environment for every service. */
  env?: NodeJS.ProcessEnv;
}

/** Fresh NATS + Redis on free ports and the whole gateway as processes, as `npm start` runs it. */
export async function startGateway(opts: GatewayOptions = {}): Promise<GatewayUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'aigw-e2e-'));
  const configPath = join(dir, 'gateway.yaml');
  writeFileSync(configPath, opts.config ?? DEFAULT_CONFIG);
  const keys = { admin: generateKey(), client: generateKey(), limited: generateKey() };
  const problems: string[] = [];
  let nats: TestServer | undefined;
  let redis: TestServer | undefined;
  try {
    nats = await startNatsServer();
    redis = await startRedisServer();
    const stack = await startStack({
      natsUrl: nats.url,
      redisUrl: redis.url,
      dataDir: dir,
      demoKey: keys.admin,
      ports: await freePorts(PORT_ENVS),
      env: { AIGW_CONFIG: configPath, E2E_CLIENT_KEY: keys.client, E2E_LIMITED_KEY: keys.limited, LOG_LEVEL: 'info', ...opts.env },
      onProblem: (service, line) => problems.push(`[${service}] ${line}`),
    });
    const [n, r] = [nats, redis];
    return {
      stack,
      natsUrl: n.url,
      redisUrl: r.url,
      configPath,
      nats: n,
      keys,
      problems,
      async close() {
        await stack.stop();
        await n.cleanup();
        await r.cleanup();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await nats?.cleanup();
    await redis?.cleanup();
    throw err;
  }
}
