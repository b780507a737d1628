import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { REPO_ROOT, SERVICE_NODE_FLAGS } from '@aigw/stack';

/** A running bare-proxy.ts: its origin to load, and its processes (the proxy and any echo services) to read CPU and memory from. */
export interface BareProxy {
  origin: string;
  /** `bare`, then `echo-1`, `echo-2`... */
  pids: Record<string, number>;
  /** NATS round trips it makes per request before it forwards. */
  roundTrips: number;
  close(): Promise<void>;
}

/** NATS round trips the bare proxy makes per request before it forwards, each to an echo service of its own. */
export interface BareRoundTrips {
  natsUrl: string;
  count: number;
}

interface Started {
  pid: number;
  /** The first line the process printed. */
  line: string;
  close(): Promise<void>;
}

/** Runs a bench script with the node flags the stack gives its services, so that the two compare. */
function startScript(script: string, args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, '--require', 'tsx/cjs', join(__dirname, script), ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready`)));
    child.stdout!.once('data', (chunk: Buffer) =>
      resolve({
        pid: child.pid!,
        line: chunk.toString('utf8').trim(),
        async close() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      }),
    );
  });
}

/** Starts bare-proxy.ts in front of `upstream`, and first its echo services when it is to make round trips. */
export async function startBareProxy(upstream: string, roundTrips?: BareRoundTrips): Promise<BareProxy> {
  const started: Array<[string, Started]> = [];
  // The proxy first: it is the echo services' client.
  const close = async () => {
    for (const [, p] of started) await p.close();
  };
  try {
    const args = [upstream];
    if (roundTrips && roundTrips.count > 0) {
      const prefix = `bench.echo.${randomBytes(4).toString('hex')}`;
      const subjects = Array.from({ length: roundTrips.count }, (_, i) => `${prefix}.${i + 1}`);
      for (const [i, subject] of subjects.entries()) started.push([`echo-${i + 1}`, await startScript('echo-service.ts', [roundTrips.natsUrl, subject])]);
      args.push(roundTrips.natsUrl, ...subjects);
    }
    const proxy = await startScript('bare-proxy.ts', args);
    started.unshift(['bare', proxy]);
    return {
      origin: `http://127.0.0.1:${Number(proxy.line)}`,
      pids: Object.fromEntries(started.map(([name, p]) => [name, p.pid])),
      roundTrips: roundTrips?.count ?? 0,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
