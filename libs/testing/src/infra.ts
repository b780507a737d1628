import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

/** A server process this test started, on its own port and temp dir. */
export interface TestServer {
  url: string;
  port: number;
  process: ChildProcess;
  /** Kills the process (SIGKILL when `hard`) and waits for it to exit. */
  stop(hard?: boolean): Promise<void>;
  /** Starts the same server again on the same port and data dir. */
  restart(): Promise<void>;
  /** Stops it and removes its data dir. */
  cleanup(): Promise<void>;
}

function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const sock = netConnect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on port ${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

async function startServer(scheme: string, bin: string, args: (port: number, dir: string) => string[], prefix: string): Promise<TestServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let proc: ChildProcess;
  const launch = async () => {
    proc = spawn(bin, args(port, dir), { stdio: 'ignore' });
    await waitForPort(port);
  };
  const stop = async (hard = false) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill(hard ? 'SIGKILL' : 'SIGTERM');
    await exited;
  };
  await launch();
  const server: TestServer = {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    get process() {
      return proc;
    },
    stop,
    restart: launch,
    async cleanup() {
      await stop(true);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/** `nats-server -js` on a free port with a temp store dir. */
export function startNatsServer(): Promise<TestServer> {
  return startServer('nats', 'nats-server', (port, dir) => ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], 'aigw-nats-');
}

/** `redis-server` on a free port, keeping nothing on disk. */
export function startRedisServer(): Promise<TestServer> {
  return startServer(
    'redis',
    'redis-server',
    (port, dir) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    'aigw-redis-',
  );
}
