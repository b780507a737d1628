import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@aigw/testing';
import { PRICES_YAML, type TestStack } from './support';

const REPO_ROOT = resolve(__dirname, '../../..');

/** A gateway config file holding the test prices, for metering run as a process (JSON is YAML too). */
export function writeTestConfig(): { path: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'aigw-metering-'));
  const path = join(dir, 'gateway.yaml');
  writeFileSync(path, JSON.stringify({ providers: {}, deployments: {}, models: {}, keys: [], prices: PRICES_YAML }));
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface MeteringProcess {
  port: number;
  child: ChildProcess;
  /** SIGKILL: no graceful shutdown, whatever it held unacknowledged is redelivered to the next one. */
  kill(): Promise<void>;
}

/** Runs `apps/metering/src/main.ts` as its own process, the way the stack does, and waits until it is ready. */
export async function spawnMetering(stack: TestStack, configPath: string, env: NodeJS.ProcessEnv = {}): Promise<MeteringProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'apps/metering/src/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NATS_URL: stack.nats.url,
      REDIS_URL: stack.redis.url,
      METERING_PORT: String(port),
      METERING_HOST: '127.0.0.1',
      AIGW_CONFIG: configPath,
      LOG_LEVEL: 'error',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`metering exited during start-up with code ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('metering was not ready within 30 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    child,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
