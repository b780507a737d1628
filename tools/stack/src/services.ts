import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StackError } from './infra';

export const REPO_ROOT = resolve(__dirname, '../../..');

/** The gateway's processes, in start order, and the env variable naming the port that answers /readyz. */
export const SERVICES = [
  { name: 'mock-provider', portEnv: 'MOCK_PROVIDER_PORT', defaultPort: 8090 },
  { name: 'auth', portEnv: 'AUTH_OPS_PORT', defaultPort: 9101 },
  { name: 'quota', portEnv: 'QUOTA_OPS_PORT', defaultPort: 9102 },
  { name: 'router', portEnv: 'ROUTER_OPS_PORT', defaultPort: 9103 },
  { name: 'metering', portEnv: 'METERING_PORT', defaultPort: 8081 },
  { name: 'proxy', portEnv: 'PORT', defaultPort: 8080 },
] as const;
export type ServiceName = (typeof SERVICES)[number]['name'];

/** Ports a service serves besides the one answering /readyz, by env variable. */
export const EXTRA_PORTS = [{ service: 'auth', portEnv: 'AUTH_ADMIN_PORT', defaultPort: 8082 }] as const;

/** Every port the stack listens on, by env variable name. */
export const PORT_ENVS = [...SERVICES.map((s) => s.portEnv), ...EXTRA_PORTS.map((p) => p.portEnv)];
export type PortEnv = (typeof PORT_ENVS)[number];

export interface ServiceProcess {
  name: ServiceName;
  port: number;
  child: ChildProcess;
  /** Sends SIGTERM (SIGKILL when `hard`) and waits for the exit. */
  stop(hard?: boolean): Promise<void>;
}

export interface SpawnOptions {
  env: NodeJS.ProcessEnv;
  /** Directory for `<service>.log` files with the service's stdout and stderr. */
  logDir: string;
  /** Called with each line a service prints to stderr or logs at warn level and above. */
  onProblem?: (service: ServiceName, line: string) => void;
  /** Extra node flags, e.g. `--cpu-prof` (which NODE_OPTIONS does not allow). */
  nodeArgs?: string[];
}

const WARN = 40;

/**
 * The young generation's semi-space size in MB for a Node major version. Node 22 and 24 let it grow to 64 MB
 * where Node 20 stops at 16: every service then holds about 100 MB more, the proxy 426 MB with 1,000 streams
 * open. A Node 24 proxy starts about 45 MB larger than a Node 20 one; 8 MB takes some 25 MB off its peak
 * (277–300 MB with 1,000 streams open, Node 20's 249–258) for some 8% more CPU, and Node 24 at 8 MB still
 * spends less CPU per request than Node 20 at 16. On Node 22, 8 MB cost no measurable CPU and saved 20–30 MB
 * (docs/performance/journal.md). Node 20 keeps its own default: 8 MB costs it 5–8% more CPU on streams, and it
 * needs no more room. The image (infra/docker/Dockerfile, Node 24) starts every service with 8. `nodeArgs` come after this
 * flag and override it.
 */
export function semiSpaceMb(nodeMajor: number): number {
  return nodeMajor >= 22 ? 8 : 16;
}

/** The node flags every service starts with, for this Node; a process measured beside them takes the same. */
export const SERVICE_NODE_FLAGS: readonly string[] = [`--max-semi-space-size=${semiSpaceMb(Number(process.versions.node.split('.')[0]))}`];

/**
 * Starts one app as `node --require tsx/cjs apps/<name>/src/main.ts` and waits until its /readyz answers 200.
 * The apps are CommonJS: tsx's require hook is all they need, and `--import tsx` would also run its ESM
 * hooks on a thread of their own, about 20 MB of RSS per process.
 */
export async function spawnService(name: ServiceName, port: number, opts: SpawnOptions): Promise<ServiceProcess> {
  mkdirSync(opts.logDir, { recursive: true });
  const log = createWriteStream(join(opts.logDir, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, ...(opts.nodeArgs ?? []), '--require', 'tsx/cjs', `apps/${name}/src/main.ts`], {
    cwd: REPO_ROOT,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  if (opts.onProblem) watchProblems(name, child, opts.onProblem);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  void exited.then(() => log.end());

  await waitReady(name, port, child);
  return {
    name,
    port,
    child,
    async stop(hard = false) {
      if (child.exitCode === null && child.signalCode === null) child.kill(hard ? 'SIGKILL' : 'SIGTERM');
      await exited;
    },
  };
}

function watchProblems(name: ServiceName, child: ChildProcess, onProblem: (s: ServiceName, l: string) => void) {
  let pending = '';
  const scan = (isStderr: boolean) => (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      const problem = isStderr ? line : problemOf(line);
      if (problem !== undefined) onProblem(name, problem);
    }
  };
  child.stdout!.on('data', scan(false));
  child.stderr!.on('data', scan(true));
}

/**
 * What a JSON log line on stdout reports at warn level and above, as `level: msg (ErrorType: message)`:
 * the error's class and message, not its stack, enough to tell what failed without opening the log.
 */
export function problemOf(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  let rec: { level?: string | number; msg?: string; err?: { type?: string; message?: string } };
  try {
    rec = JSON.parse(line) as typeof rec;
  } catch {
    return undefined;
  }
  const level = typeof rec.level === 'number' ? rec.level : ({ warn: 40, error: 50, fatal: 60 }[rec.level ?? ''] ?? 0);
  if (level < WARN) return undefined;
  const cause = rec.err?.message ? ` (${rec.err.type ?? 'Error'}: ${rec.err.message})` : '';
  return `${rec.level}: ${rec.msg}${cause}`;
}

async function waitReady(name: ServiceName, port: number, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new StackError(`${name} exited during start-up (code ${child.exitCode ?? child.signalCode}); see its log`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new StackError(`${name} was not ready on port ${port} within ${timeoutMs} ms; see its log`);
}
