import { connect, type NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { ErrorCode, GatewayError, RateLimitError } from '@aigw/contracts';
import { createLogger } from '@aigw/telemetry';
import { startNatsServer, type TestServer } from '@aigw/testing';
import { BusClient, connectBus, endpoint, isBusReady, startService, type EndpointContract } from '../src';

const Echo = {
  subject: 'router.v1.route',
  service: 'router',
  Request: z.object({ model: z.string() }),
  Response: z.object({ alias: z.string(), replica: z.number() }),
} satisfies EndpointContract;

const logger = createLogger('test', 'silent');
let nats: TestServer;
let nc: NatsConnection;
let client: BusClient;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
  client = new BusClient(nc, { timeoutMs: 300 });
});

afterAll(async () => {
  await nc.close();
  await nats.cleanup();
});

/** Serves Echo from a replica of its own; returns a function that stops it. */
async function replica(handle: (model: string) => Promise<unknown>): Promise<() => Promise<void>> {
  const conn = await connect({ servers: nats.url });
  await startService(conn, 'router', [endpoint(Echo, async (req) => (await handle(req.model)) as never)], logger);
  return () => conn.close();
}

describe('bus – request/reply', () => {
  it('returns the typed reply of a service', async () => {
    const stop = await replica(async (model) => ({ alias: model, replica: 1 }));
    try {
      await expect(client.request(Echo, { model: 'gpt' })).resolves.toEqual({ alias: 'gpt', replica: 1 });
    } finally {
      await stop();
    }
  });

  it('spreads requests over replicas in the queue group', async () => {
    const stops = [
      await replica(async (model) => ({ alias: model, replica: 1 })),
      await replica(async (model) => ({ alias: model, replica: 2 })),
    ];
    try {
      const replies = await Promise.all(Array.from({ length: 40 }, () => client.request(Echo, { model: 'm' })));
      const seen = new Set(replies.map((r) => (r as { replica: number }).replica));
      expect(seen).toEqual(new Set([1, 2]));
    } finally {
      for (const stop of stops) await stop();
    }
  });

  it('carries a typed error back with its code and details', async () => {
    const stop = await replica(async () => {
      throw new RateLimitError('slow down', 7);
    });
    try {
      const err = await client.request(Echo, { model: 'm' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GatewayError);
      expect(err).toMatchObject({ code: ErrorCode.RateLimitExceeded, message: 'slow down', details: { retryAfterS: 7 } });
    } finally {
      await stop();
    }
  });

  it('answers a request that fails the schema with contract_violation (the sender\'s bug), without calling the handler', async () => {
    const handled = jest.fn(async () => ({ alias: 'x', replica: 1 }));
    const stop = await replica(handled);
    try {
      const err = await client.request(Echo, { model: 42 } as never).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: ErrorCode.ContractViolation, message: expect.stringMatching(/model/) });
      expect(handled).not.toHaveBeenCalled();
    } finally {
      await stop();
    }
  });

  it('answers an error whose message holds CR, LF or any control character, and keeps serving', async () => {
    const hostile = 'x\r\ny\u0000z\u2028\ud800';
    const stop = await replica(async (model) => {
      if (model.includes('\r')) throw new RateLimitError(`No room for '${model}'`, 1);
      return { alias: model, replica: 1 };
    });
    try {
      const err = await client.request(Echo, { model: hostile }).catch((e: unknown) => e);
      // The header carries a cleaned copy; the body, and so the typed error, the exact text.
      expect((err as GatewayError).code).toBe(ErrorCode.RateLimitExceeded);
      expect((err as GatewayError).message).toBe(`No room for '${hostile}'`);
      await expect(client.request(Echo, { model: 'still-up' })).resolves.toEqual({ alias: 'still-up', replica: 1 });
    } finally {
      await stop();
    }
  });

  it('hides an unexpected failure behind internal_error', async () => {
    const stop = await replica(async () => {
      throw new Error('database password is hunter2');
    });
    try {
      const err = (await client.request(Echo, { model: 'm' }).catch((e: unknown) => e)) as GatewayError;
      expect(err.code).toBe(ErrorCode.Internal);
      expect(err.message).not.toMatch(/hunter2/);
    } finally {
      await stop();
    }
  });

  it('rejects a reply that does not match the contract', async () => {
    const stop = await replica(async () => ({ alias: 5 }));
    try {
      await expect(client.request(Echo, { model: 'm' })).rejects.toMatchObject({ code: ErrorCode.Internal, message: expect.stringMatching(/contract/) });
    } finally {
      await stop();
    }
  });
});

describe('bus – a missing or silent service', () => {
  it('is service_unavailable at once, naming the service, when no instance runs', async () => {
    // A subject no test ever served: the server may still hold a closed replica's interest for a moment.
    const Unserved = { ...Echo, subject: 'quota.v1.admit', service: 'quota' } satisfies EndpointContract;
    const started = Date.now();
    const err = await client.request(Unserved, { model: 'm' }, { timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.ServiceUnavailable, message: expect.stringMatching(/quota service .*no instance/), details: { service: 'quota' } });
    // Well before the deadline, however loaded the machine.
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('is service_unavailable after the deadline when the service does not answer', async () => {
    const stop = await replica(() => new Promise(() => undefined));
    try {
      const started = Date.now();
      const err = await client.request(Echo, { model: 'm' }, { timeoutMs: 200 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: ErrorCode.ServiceUnavailable, message: 'The router service did not answer within 200 ms.' });
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await stop();
    }
  });
});

describe('bus – notices', () => {
  it('delivers a notice to one replica of the service, and returns at once without a reply', async () => {
    const seen: string[] = [];
    const stops = [
      await replica(async (model) => (seen.push(model), { alias: model, replica: 1 })),
      await replica(async (model) => (seen.push(model), { alias: model, replica: 2 })),
    ];
    try {
      for (let i = 0; i < 10; i++) client.notify(Echo, { model: `n${i}` });
      const deadline = Date.now() + 2000;
      while (seen.length < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(seen.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `n${i}`).sort());
    } finally {
      for (const stop of stops) await stop();
    }
  });

  it('is dropped silently once the connection is closed', async () => {
    const conn = await connect({ servers: nats.url });
    const closedClient = new BusClient(conn, { timeoutMs: 300 });
    await conn.close();
    expect(() => closedClient.notify(Echo, { model: 'late' })).not.toThrow();
  });
});

describe('bus – a lost connection to NATS', () => {
  it('is service_unavailable naming the service, and says the gateway lost NATS', async () => {
    const own = await startNatsServer();
    const conn = await connectBus({ servers: own.url, name: 'test', logger });
    const lonely = new BusClient(conn, { timeoutMs: 300 });
    try {
      await own.stop();
      await until(() => !isBusReady(conn));
      const err = await lonely.request(Echo, { model: 'm' }).catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: ErrorCode.ServiceUnavailable,
        message: 'The router service could not be reached: the gateway has lost its connection to NATS, its message bus.',
        details: { service: 'router' },
      });
    } finally {
      await conn.close();
      await own.cleanup();
    }
  });
});

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 20));
  }
}
