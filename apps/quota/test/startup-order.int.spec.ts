import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { connect } from '@nats-io/transport-node';
import { ensureUsageStream } from '@aigw/bus';
import { keyScope } from '../src/redis/quota-store';
import { eventually, startQuotaStack, type QuotaStack } from './harness';

let stack: QuotaStack;
let redis: Redis;

beforeAll(async () => {
  stack = await startQuotaStack({ replicas: 1, usageStream: false });
  redis = new Redis(stack.redis.url);
});

afterAll(async () => {
  await redis?.quit();
  await stack?.close();
});

test('quota – admits before the USAGE stream exists, and reconciles once metering or the proxy creates it', async () => {
  const [replica] = stack.replicas;
  const keyId = 'key_early';
  const requestId = randomUUID();
  const reply = await stack.admit({ keyId, requestId, limits: { tpm: 1000 }, promptTokens: 100, maxTokens: 100 });
  expect(reply).toMatchObject({ admitted: true, tokens: { remaining: 800 } });
  expect(replica.reconciling()).toBe(false);

  const nc = await connect({ servers: stack.nats.url });
  try {
    await ensureUsageStream(nc);
  } finally {
    await nc.close();
  }
  await eventually(() => replica.reconciling(), 5000);
  await stack.publishUsage({ id: requestId, keyId, promptTokens: 100, completionTokens: 5 });
  await eventually(async () => Number(await redis.get(`${keyScope(keyId)}:ms`)) === 105);
});
