import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PORT_ENVS, REPO_ROOT, StackError, generateKey, hostPort, readStackFile, startStack, type ServiceName } from '@aigw/stack';
import { freePorts, startNatsServer, startRedisServer, type TestServer } from '@aigw/testing';
import { pidListeningOn } from './procstat';

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

/** What the bench loads and reads: the gateway, the mock behind it, and every process of theirs. */
export interface BenchStack {
  /** The proxy's origin. */
  gateway: string;
  /** The mock provider's origin: loaded directly, and paced through its `/_mock/behavior`. */
  mock: string;
  key: string;
  mockKey: string;
  /** The alias bench requests name, routed to the mock. */
  model: string;
  /** A service's Prometheus endpoint: quota's and the router's decision histograms, the proxy's phases. */
  metricsUrl(service: 'proxy' | 'quota' | 'router'): string;
  /** The proxy's log, where it writes its access lines at log level info. */
  proxyLog: string;
  /** Every gateway process by name (services, NATS, Redis), for CPU and memory readings; the mock is separate. */
  gatewayPids: Record<string, number>;
  /** The NATS server the services use: the bare proxy's round trips (`--bare-round-trips`) go through it too. */
  natsUrl: string;
  mockPid: number;
  close(): Promise<void>;
}

/** Its own NATS and Redis on free ports, then the whole stack as processes, logging warnings only. */
export async function startBenchStack(opts: { model: string; nodeArgs?: string[]; env?: Record<string, string> }): Promise<BenchStack> {
  const dir = mkdtempSync(join(tmpdir(), 'aigw-bench-'));
  writeFileSync(join(dir, 'gateway.yaml'), CONFIG);
  const key = generateKey();
  const mockKey = `mock-${generateKey()}`;
  const infra: TestServer[] = [];
  const cleanup = async () => {
    for (const server of infra) await server.cleanup();
    rmSync(dir, { recursive: true, force: true });
  };
  let stack: Awaited<ReturnType<typeof startStack>>;
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
        // The saturation run holds 1,000 streams open: each needs its own upstream connection, where the
        // proxy's default pool (512 per origin) would queue the rest before the upstream.
        UPSTREAM_CONNECTIONS: '1024',
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
  const service = (name: ServiceName) => stack.services.get(name)!;
  return {
    gateway: new URL(stack.urls.gateway).origin,
    mock: new URL(stack.urls.mockProvider).origin,
    key,
    mockKey,
    model: opts.model,
    metricsUrl: (name) => `http://127.0.0.1:${service(name).port}/metrics`,
    proxyLog: join(dir, 'logs', 'proxy.log'),
    natsUrl: nats.url,
    gatewayPids: {
      proxy: service('proxy').child.pid!,
      auth: service('auth').child.pid!,
      quota: service('quota').child.pid!,
      router: service('router').child.pid!,
      metering: service('metering').child.pid!,
      nats: nats.process.pid!,
      redis: redis.process.pid!,
    },
    mockPid: service('mock-provider').child.pid!,
    async close() {
      await stack.stop();
      await cleanup();
    },
  };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The bench's own tenant on a running stack, and its key's limits, which no bench reaches. */
const BENCH_TENANT = { tenantId: 'bench', name: 'npm run bench' };
const BENCH_LIMITS = { rpm: 100_000_000 };

/**
 * The stack `npm start` runs on this machine, as its `.data/stack.json` describes it. Its routes and limits
 * stay as they are: the bench makes itself a key through the auth admin API (with the demo key, an admin
 * one), without practical limits, and revokes it when it closes, as it puts the mock's pacing back. The
 * requests it makes are metered to its tenant, `bench`. NATS and Redis are found by the ports they listen
 * on; one run by another user cannot be read, and its CPU is then left out (with a warning).
 */
export async function attachBenchStack(opts: { model: string; dataDir?: string }): Promise<BenchStack> {
  const dataDir = opts.dataDir ?? join(REPO_ROOT, '.data');
  const file = readStackFile(join(dataDir, 'stack.json'));
  const gone = Object.entries(file.pids).filter(([, pid]) => !alive(pid));
  if (gone.length > 0) {
    throw new StackError(`The stack in ${join(dataDir, 'stack.json')} is not running (${gone.map(([name, pid]) => `${name} ${pid}`).join(', ')} gone): start it again with \`npm start\`.`);
  }
  const secret = (name: string) => {
    const path = join(dataDir, name);
    if (!existsSync(path)) throw new StackError(`${path} is missing: start the stack with \`npm start\`, which keeps it there.`);
    return readFileSync(path, 'utf8').trim();
  };
  const infraPids: Record<string, number> = {};
  for (const [name, url, defaultPort] of [['nats', file.natsUrl, 4222], ['redis', file.redisUrl, 6379]] as const) {
    const { port } = hostPort(url, defaultPort);
    const pid = pidListeningOn(port);
    if (pid === undefined) console.warn(`No readable process listens on ${name}'s port ${port}: its CPU and memory are left out.`);
    else infraPids[name] = pid;
  }
  const demoKey = secret('demo-key');
  const admin = (path: string, body?: unknown) =>
    fetch(`${file.urls.authAdmin}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${demoKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const refused = async (what: string, res: Response) => new StackError(`The auth admin API refused the bench ${what}: ${res.status} ${await res.text()}`);
  // An earlier run made the tenant already.
  const known = await admin(`/tenants/${BENCH_TENANT.tenantId}`);
  await known.arrayBuffer();
  if (known.status === 404) {
    const made = await admin('/tenants', BENCH_TENANT);
    if (!made.ok) throw await refused('its tenant', made);
    await made.arrayBuffer();
  } else if (!known.ok) {
    throw await refused('its tenant', known);
  }
  // Should the bench be killed before it revokes the key, the key still lapses.
  const expiresAt = new Date(Date.now() + 24 * 3600_000).toISOString();
  const created = await admin('/keys', { tenantId: BENCH_TENANT.tenantId, name: BENCH_TENANT.name, limits: BENCH_LIMITS, expiresAt });
  if (!created.ok) throw await refused('a key', created);
  const key = (await created.json()) as { id: string; secret: string };
  const mock = new URL(file.urls.mockProvider).origin;
  return {
    gateway: new URL(file.urls.gateway).origin,
    mock,
    key: key.secret,
    mockKey: process.env.MOCK_PROVIDER_API_KEY ?? secret('mock-provider-key'),
    model: opts.model,
    metricsUrl: (name) => `http://127.0.0.1:${file.ports[name]}/metrics`,
    proxyLog: join(file.dataDir, 'logs', 'proxy.log'),
    natsUrl: file.natsUrl,
    gatewayPids: {
      proxy: file.pids.proxy,
      auth: file.pids.auth,
      quota: file.pids.quota,
      router: file.pids.router,
      metering: file.pids.metering,
      ...infraPids,
    },
    mockPid: file.pids['mock-provider'],
    async close() {
      const revoked = await admin(`/keys/${key.id}/revoke`, {});
      if (!revoked.ok) console.warn(`The bench's key ${key.id} was not revoked: ${revoked.status} ${await revoked.text()}`);
      const reset = await fetch(`${mock}/_mock/behavior`, { method: 'DELETE' });
      if (!reset.ok) console.warn(`The mock's pacing was not put back: ${reset.status} ${await reset.text()}`);
    },
  };
}
