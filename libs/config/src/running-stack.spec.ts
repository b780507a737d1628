import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withRunningStack } from './running-stack';

describe('withRunningStack – command-line tools find the stack npm start runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aigw-stack-file-'));
  const file = join(dir, 'stack.json');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes NATS_URL and REDIS_URL from the stack file when the environment sets neither', () => {
    writeFileSync(file, JSON.stringify({ natsUrl: 'nats://127.0.0.1:14222', redisUrl: 'redis://127.0.0.1:16379', ports: {} }));
    const { env, from } = withRunningStack({ LOG_LEVEL: 'warn' }, file);
    expect(from).toBe('stack file');
    expect(env).toEqual({ LOG_LEVEL: 'warn', NATS_URL: 'nats://127.0.0.1:14222', REDIS_URL: 'redis://127.0.0.1:16379' });
  });

  it('leaves an environment that names a server as it is', () => {
    writeFileSync(file, JSON.stringify({ natsUrl: 'nats://127.0.0.1:14222', redisUrl: 'redis://127.0.0.1:16379' }));
    expect(withRunningStack({ NATS_URL: 'nats://elsewhere:4222' }, file)).toEqual({ env: { NATS_URL: 'nats://elsewhere:4222' }, from: 'environment' });
  });

  it('falls back to the defaults when no stack runs', () => {
    expect(withRunningStack({}, join(dir, 'missing.json'))).toEqual({ env: {}, from: 'defaults' });
  });
});
