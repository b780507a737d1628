import { randomUUID } from 'node:crypto';
import { connect as connectTcp, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { connect } from '@nats-io/transport-node';
import { ensureUsageStream } from '@aigw/bus';
import type { AdmitResponse } from '@aigw/contracts';
import { createLogger } from '@aigw/telemetry';
import { startQuotaService } from '../src/quota-service';
import { keyScope } from '../src/redis/quota-store';
import { decisionCounts, eventually, startQuotaStack, type QuotaStack } from './harness';

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

describe('quota – a starting replica and Redis', () => {
  let fresh: QuotaStack;
  let delayed: Server;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    fresh = await startQuotaStack({ replicas: 0 });
    // Redis behind a relay that lets each new connection through only after 300 ms, as a loaded machine might.
    const redisPort = Number(new URL(fresh.redis.url).port);
    delayed = createServer((client) => {
      sockets.add(client);
      setTimeout(() => {
        const upstream = connectTcp(redisPort, '127.0.0.1');
        sockets.add(upstream);
        client.pipe(upstream).pipe(client);
        const end = () => (client.destroy(), upstream.destroy());
        client.on('error', end).on('close', end);
        upstream.on('error', end).on('close', end);
      }, 300);
    });
    await new Promise<void>((resolve) => delayed.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => delayed?.close(resolve));
    await fresh?.close();
  });

  const start = (redisUrl: string, startupWaitMs?: number) =>
    startQuotaService({
      nats: { servers: fresh.nats.url },
      redis: { url: redisUrl, startupWaitMs },
      ops: { port: 0, host: '127.0.0.1' },
      config: fresh.config,
      logger: createLogger('quota', 'silent'),
    });

  /** Sends admits for `keyId` until `until` settles, keeping every reply; a request nobody serves yet fails and is retried. */
  async function admitWhile<T>(keyId: string, until: Promise<T>): Promise<{ value: T; replies: AdmitResponse[] }> {
    const replies: AdmitResponse[] = [];
    let settled = false;
    const value = until.finally(() => (settled = true));
    while (!settled) {
      const reply = await fresh.admit({ keyId, limits: { rpm: 1000 } }).catch(() => undefined);
      if (reply) replies.push(reply);
      await new Promise((r) => setTimeout(r, 5));
    }
    return { value: await value, replies };
  }

  it('takes requests only once Redis answers, so the first decisions after a (re)start are counted', async () => {
    const keyId = `key_${randomUUID()}`;
    const { value: replica, replies } = await admitWhile(keyId, start(`redis://127.0.0.1:${(delayed.address() as AddressInfo).port}`));
    try {
      const more = await Promise.all(Array.from({ length: 5 }, () => fresh.admit({ keyId, limits: { rpm: 1000 } })));
      const all = [...replies, ...more];
      expect(all.every((r) => r.admitted)).toBe(true);
      expect(await decisionCounts(replica)).not.toHaveProperty('unchecked');
      expect(more.at(-1)!.requests).toMatchObject({ limit: 1000, remaining: 1000 - all.length });
    } finally {
      await replica.close();
    }
  });

  it('does not wait for a Redis that is down: after its wait it decides by the failure policy', async () => {
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const downPort = (free.address() as AddressInfo).port;
    await new Promise((resolve) => free.close(resolve));

    const replica = await start(`redis://127.0.0.1:${downPort}`, 200);
    try {
      const reply = await fresh.admit({ keyId: `key_${randomUUID()}`, limits: { rpm: 1000 } });
      expect(reply).toMatchObject({ admitted: true, requests: { limit: 1000, remaining: 1000 } });
      expect(await decisionCounts(replica)).toMatchObject({ unchecked: 1 });
    } finally {
      await replica.close();
    }
  });
});
