import { ErrorCode, GatewayError } from '@aigw/contracts';
import { eventually, readyStatus, startQuotaStack, type QuotaStack } from './harness';

let stack: QuotaStack;

beforeAll(async () => {
  stack = await startQuotaStack({ replicas: 1, defaultRpm: 10 });
});

afterAll(async () => {
  await stack?.close();
});

test('quota – fails closed within well under a second while Redis is down, and recovers without a restart', async () => {
  const keyId = 'key_outage';
  const [replica] = stack.replicas;
  expect((await stack.admit({ keyId })).admitted).toBe(true);

  await stack.redis.stop();
  await eventually(async () => (await readyStatus(replica)) === 503);

  const started = Date.now();
  const failure = await stack.admit({ keyId }).catch((err: unknown) => err);
  const elapsed = Date.now() - started;
  expect(failure).toBeInstanceOf(GatewayError);
  expect(failure).toMatchObject({
    code: ErrorCode.ServiceUnavailable,
    message: 'The quota service cannot reach Redis.',
    details: { service: 'quota' },
  });
  expect(elapsed).toBeLessThan(500);

  await stack.redis.restart();
  await eventually(async () => (await stack.admit({ keyId }).catch(() => undefined))?.admitted === true);
  expect(await readyStatus(replica)).toBe(200);
});

test('quota – fails closed within well under a second when Redis hangs without closing the connection', async () => {
  const keyId = 'key_hung';
  const [replica] = stack.replicas;
  await eventually(async () => (await stack.admit({ keyId }).catch(() => undefined))?.admitted === true);

  stack.redis.process.kill('SIGSTOP');
  try {
    const started = Date.now();
    const failure = await stack.admit({ keyId }).catch((err: unknown) => err);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(failure).toMatchObject({ code: ErrorCode.ServiceUnavailable, message: 'The quota service cannot reach Redis.' });
  } finally {
    stack.redis.process.kill('SIGCONT');
  }
  await eventually(async () => (await stack.admit({ keyId }).catch(() => undefined))?.admitted === true);
  expect(await readyStatus(replica)).toBe(200);
});
