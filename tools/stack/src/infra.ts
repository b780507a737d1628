import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';

/** Raised when the stack cannot start; its message is the one line a person needs. */
export class StackError extends Error {
  override name = 'StackError';
}

export function hostPort(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url.includes('://') ? url : `tcp://${url}`);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port) || defaultPort };
}

/** Whether something accepts TCP connections at host:port within `timeoutMs`. */
export function isReachable(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

export async function waitReachable(host: string, port: number, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isReachable(host, port))) {
    if (Date.now() > deadline) throw new StackError(`${what} did not start listening on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function onPath(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore', env: process.env }).status === 0;
}

interface InfraSpec {
  what: string;
  bin: string;
  defaultPort: number;
  debianPackage: string;
  args: (port: number, dir: string) => string[];
}

const NATS: InfraSpec = {
  what: 'NATS',
  bin: 'nats-server',
  defaultPort: 4222,
  debianPackage: 'nats-server',
  args: (port, dir) => ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir],
};

const REDIS: InfraSpec = {
  what: 'Redis',
  bin: 'redis-server',
  defaultPort: 6379,
  debianPackage: 'redis-server',
  args: (port, dir) => ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '60 1', '--appendonly', 'yes'],
};

/**
 * Uses the server at `url` when it answers; otherwise starts it from PATH with its data under `dataDir`.
 * Returns the child process when it started one.
 */
async function ensure(spec: InfraSpec, url: string, dataDir: string): Promise<ChildProcess | undefined> {
  const { host, port } = hostPort(url, spec.defaultPort);
  if (await isReachable(host, port)) return undefined;
  if (!onPath(spec.bin)) {
    throw new StackError(
      `${spec.what} is not reachable at ${url} and '${spec.bin}' is not on PATH: install it (apt-get install ${spec.debianPackage}) or run 'docker compose up' instead.`,
    );
  }
  mkdirSync(dataDir, { recursive: true });
  const child = spawn(spec.bin, spec.args(port, dataDir), { stdio: 'ignore' });
  await waitReachable(host, port, 10_000, spec.what);
  return child;
}

export const ensureNats = (url: string, dataDir: string) => ensure(NATS, url, dataDir);
export const ensureRedis = (url: string, dataDir: string) => ensure(REDIS, url, dataDir);
