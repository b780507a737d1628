import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, SERVICE_NODE_FLAGS } from '@aigw/stack';

/** A running bare-proxy.ts: its origin to load and its pid to read CPU and memory from. */
export interface BareProxy {
  origin: string;
  pid: number;
  close(): Promise<void>;
}

/** Starts bare-proxy.ts in front of `upstream` with the node flags the stack gives its services, so that the two compare. */
export function startBareProxy(upstream: string): Promise<BareProxy> {
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, '--require', 'tsx/cjs', join(__dirname, 'bare-proxy.ts'), upstream], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the bare proxy exited (${code}) before it listened`)));
    child.stdout!.once('data', (chunk: Buffer) =>
      resolve({
        origin: `http://127.0.0.1:${Number(chunk.toString('utf8').trim())}`,
        pid: child.pid!,
        async close() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      }),
    );
  });
}
