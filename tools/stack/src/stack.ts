import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ensureNats, ensureRedis } from './infra';
import { EXTRA_PORTS, REPO_ROOT, SERVICES, spawnService, type PortEnv, type ServiceName, type ServiceProcess } from './services';

export interface StackOptions {
  natsUrl: string;
  redisUrl: string;
  /** Ports by env variable name (PORT, METERING_PORT, ...); unset ones take the defaults. */
  ports?: Partial<Record<PortEnv, number>>;
  /** Directory for infrastructure data and service logs. */
  dataDir: string;
  /** The demo key seeded by auth (config/gateway.yaml names it AIGW_DEMO_KEY). */
  demoKey: string;
  /** Extra environment for every service (AIGW_CONFIG, LOG_LEVEL, ...). */
  env?: NodeJS.ProcessEnv;
  /** Which services to start; all by default. */
  services?: ServiceName[];
  onProblem?: (service: ServiceName, line: string) => void;
  /** Extra node flags for every service process, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
}

export interface Stack {
  urls: { gateway: string; metering: string; mockProvider: string; authAdmin: string };
  /** Where infrastructure data and service logs (`logs/<service>.log`) are. */
  dataDir: string;
  /** Whether this stack started NATS and Redis itself, or joined servers already answering at their URLs. */
  infra: { nats: 'started' | 'found'; redis: 'started' | 'found' };
  /** Service processes by name; tests stop and restart them. */
  services: Map<ServiceName, ServiceProcess>;
  /** Starts a stopped service again with the same settings. */
  restart(name: ServiceName): Promise<void>;
  /** Stops every service (proxy first), then any infrastructure this stack started. */
  stop(): Promise<void>;
}

/** A fresh random gateway key in the gateway's format. */
export function generateKey(): string {
  return `sk-aigw-${randomBytes(32).toString('base64url')}`;
}

/** Starts NATS and Redis when they are not reachable, then every service, each ready before the next. */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const infra: ChildProcess[] = [];
  const ports = Object.fromEntries(SERVICES.map((s) => [s.name, opts.ports?.[s.portEnv] ?? s.defaultPort])) as Record<ServiceName, number>;
  const mockProvider = `http://127.0.0.1:${ports['mock-provider']}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NATS_URL: opts.natsUrl,
    REDIS_URL: opts.redisUrl,
    MOCK_PROVIDER_URL: mockProvider,
    MOCK_PROVIDER_API_KEY: process.env.MOCK_PROVIDER_API_KEY ?? `mock-${randomBytes(12).toString('hex')}`,
    AIGW_DEMO_KEY: opts.demoKey,
    // Each stack keeps the proxy's usage spool with its data, never where another stack would replay it.
    USAGE_SPOOL_DIR: process.env.USAGE_SPOOL_DIR ?? join(opts.dataDir, 'spool', 'proxy'),
    ...Object.fromEntries(SERVICES.map((s) => [s.portEnv, String(ports[s.name])])),
    ...Object.fromEntries(EXTRA_PORTS.map((p) => [p.portEnv, String(opts.ports?.[p.portEnv] ?? p.defaultPort)])),
    ...opts.env,
  };
  const services = new Map<ServiceName, ServiceProcess>();
  const stop = async () => {
    for (const s of [...SERVICES].reverse()) await services.get(s.name)?.stop();
    for (const child of infra) {
      if (child.exitCode !== null) continue;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  };
  const spawnOpts = { env, logDir: join(opts.dataDir, 'logs'), onProblem: opts.onProblem, nodeArgs: opts.nodeArgs };
  const found: Stack['infra'] = { nats: 'found', redis: 'found' };
  try {
    const nats = await ensureNats(opts.natsUrl, join(opts.dataDir, 'nats'));
    const redis = await ensureRedis(opts.redisUrl, join(opts.dataDir, 'redis'));
    if (nats) found.nats = 'started';
    if (redis) found.redis = 'started';
    for (const child of [nats, redis]) if (child) infra.push(child);
    const wanted = opts.services ?? SERVICES.map((s) => s.name);
    for (const s of SERVICES) {
      if (wanted.includes(s.name)) services.set(s.name, await spawnService(s.name, ports[s.name], spawnOpts));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    urls: {
      gateway: `http://127.0.0.1:${ports.proxy}/v1`,
      metering: `http://127.0.0.1:${ports.metering}/v1`,
      mockProvider: `${mockProvider}/v1`,
      authAdmin: `http://127.0.0.1:${opts.ports?.AUTH_ADMIN_PORT ?? EXTRA_PORTS[0].defaultPort}/admin/v1`,
    },
    dataDir: opts.dataDir,
    infra: found,
    services,
    async restart(name) {
      services.set(name, await spawnService(name, ports[name], spawnOpts));
    },
    stop,
  };
}

export { REPO_ROOT };
