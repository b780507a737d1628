import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './infra';
import { removeStackFile, stackFileOf, writeStackFile } from './stack-file';
import { REPO_ROOT, generateKey, startStack } from './stack';
import { superviseServices } from './supervisor';

/** A secret kept in `dataDir` across starts, made on the first one: tools on this machine read it from there. */
function keptSecret(dataDir: string, name: string, make: () => string): string {
  const file = join(dataDir, name);
  if (!existsSync(file)) writeFileSync(file, `${make()}\n`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** `npm start`: the whole gateway on this machine, until Ctrl-C. */
async function main(): Promise<void> {
  const dataDir = join(REPO_ROOT, '.data');
  mkdirSync(dataDir, { recursive: true });
  const demoKey = keptSecret(dataDir, 'demo-key', generateKey);
  // `npm run bench -- --running` calls the mock directly too, with this key.
  const mockKey = process.env.MOCK_PROVIDER_API_KEY ?? keptSecret(dataDir, 'mock-provider-key', () => `mock-${generateKey()}`);
  // An empty variable counts as unset (the services are handed the address chosen here).
  const infra = { natsUrl: process.env.NATS_URL || 'nats://127.0.0.1:4222', redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379' };
  const stackFile = join(dataDir, 'stack.json');

  const port = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
  const stack = await startStack({
    ...infra,
    dataDir,
    demoKey,
    ports: {
      PORT: port('PORT'),
      METERING_PORT: port('METERING_PORT'),
      MOCK_PROVIDER_PORT: port('MOCK_PROVIDER_PORT'),
      AUTH_OPS_PORT: port('AUTH_OPS_PORT'),
      QUOTA_OPS_PORT: port('QUOTA_OPS_PORT'),
      ROUTER_OPS_PORT: port('ROUTER_OPS_PORT'),
      AUTH_ADMIN_PORT: port('AUTH_ADMIN_PORT'),
    },
    onProblem: (service, line) => console.error(`[${service}] ${line}`),
    // Pace the local mock like a real model, so that a person sees tokens arrive one by one.
    env: {
      MOCK_PROVIDER_API_KEY: mockKey,
      MOCK_TTFT_MS: process.env.MOCK_TTFT_MS ?? '200',
      MOCK_CHUNK_DELAY_MS: process.env.MOCK_CHUNK_DELAY_MS ?? '40',
    },
  });
  writeStackFile(stackFile, stackFileOf(stack, infra));

  const origin = (kind: 'started' | 'found') => (kind === 'started' ? 'started by npm start, data in .data/' : 'already running there, joined');
  console.log(`NATS:           ${infra.natsUrl} (${origin(stack.infra.nats)})`);
  console.log(`Redis:          ${infra.redisUrl} (${origin(stack.infra.redis)})`);
  console.log(`Gateway:        ${stack.urls.gateway}`);
  console.log(`Metering API:   ${stack.urls.metering}`);
  console.log(`Mock provider:  ${stack.urls.mockProvider}`);
  console.log(`Auth admin API: ${stack.urls.authAdmin}`);
  console.log(`Demo key:       ${demoKey}`);
  console.log(`Logs:           ${join(dataDir, 'logs')}   (Ctrl-C stops everything)`);
  console.log('');
  console.log(`Every example in README reads the key from AIGW_KEY; in another terminal:`);
  console.log(`  export AIGW_KEY=$(cat ${join(dataDir, 'demo-key')})`);

  const supervisor = superviseServices(stack, {
    onExit: (name, reason, restartInMs) =>
      console.error(
        `${name} exited unexpectedly (${reason}); restarting it${restartInMs ? ` in ${restartInMs / 1000} s` : ''}. See ${join(dataDir, 'logs', `${name}.log`)}`,
      ),
    onRestarted: (name, pid) => {
      console.error(`${name} restarted (pid ${pid})`);
      writeStackFile(stackFile, stackFileOf(stack, infra));
    },
    onRestartFailed: (name, err) => console.error(`${name} did not start again: ${err instanceof Error ? err.message : String(err)}`),
  });

  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping...');
    removeStackFile(stackFile);
    supervisor
      .stop()
      .then(() => stack.stop())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err) => {
  console.error(err instanceof StackError ? err.message : err);
  process.exit(1);
});
