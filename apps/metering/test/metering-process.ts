import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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

/** The line metering logs once its API listens, with the port it got. */
const LISTENING = /"port":(\d+),[^\n]*"msg":"metering API listening"/;

/**
 * Runs `apps/metering/src/main.ts` as its own process, the way the stack does, and waits until it is ready.
 * It listens on a port the system gives it and logs (`LOG_LEVEL=info`): a port chosen here and handed over
 * could be taken meanwhile by one of the test servers other test files start.
 */
export async function spawnMetering(stack: TestStack, configPath: string, env: NodeJS.ProcessEnv = {}): Promise<MeteringProcess> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'apps/metering/src/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NATS_URL: stack.nats.url,
      REDIS_URL: stack.redis.url,
      METERING_PORT: '0',
      METERING_HOST: '127.0.0.1',
      AIGW_CONFIG: configPath,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Its log until it is ready: the port, or why it exited.
  let log = '';
  let port: number | undefined;
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-8_000);
    port ??= Number(LISTENING.exec(log)?.[1]) || undefined;
  };
  child.stdout!.on('data', keep);
  // After its exit and the end of its output, which is read (or resumed) all along.
  const closed = new Promise<void>((r) => child.once('close', () => r()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await closed;
      throw new Error(`metering exited during start-up with code ${child.exitCode}; its log ended:\n${log}`);
    }
    try {
      if (port !== undefined && (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) break;
    } catch {
      // Not ready yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`metering was not ready within 30 s; its log ended:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.stdout!.off('data', keep);
  child.stdout!.resume();
  return {
    port: port!,
    child,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await closed;
    },
  };
}
