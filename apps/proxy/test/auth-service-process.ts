import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePorts } from '@aigw/testing';

const REPO_ROOT = resolve(__dirname, '../../..');

/** The real auth service, run as `npm start` runs it: its own process, config file and ports. */
export interface AuthProcess {
  /** e.g. `http://127.0.0.1:8082`. */
  adminUrl: string;
  /** Everything it printed, one line each. */
  output: string[];
  stop(): Promise<void>;
}

/** Starts `apps/auth/src/main.ts` with `config` as its gateway config and waits until it is ready. */
export async function startAuthProcess(opts: { natsUrl: string; redisUrl: string; config: string; env: Record<string, string> }): Promise<AuthProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'aigw-auth-'));
  const configPath = join(dir, 'gateway.yaml');
  writeFileSync(configPath, opts.config);
  const { ops: opsPort, admin: adminPort } = await freePorts(['ops', 'admin']);
  const child: ChildProcess = spawn(process.execPath, ['--require', 'tsx/cjs', 'apps/auth/src/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      NATS_URL: opts.natsUrl,
      REDIS_URL: opts.redisUrl,
      AIGW_CONFIG: configPath,
      AUTH_OPS_PORT: String(opsPort),
      AUTH_ADMIN_PORT: String(adminPort),
      LOG_LEVEL: 'info',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on('data', (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`auth exited during start-up:\n${output.join('\n')}`);
    }
    const ready = await fetch(`http://127.0.0.1:${opsPort}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`auth not ready within 30 s:\n${output.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { adminUrl: `http://127.0.0.1:${adminPort}`, output, stop };
}
