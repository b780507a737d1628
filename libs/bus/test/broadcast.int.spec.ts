import { connect, type NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { createLogger } from '@aigw/telemetry';
import { startNatsServer, type TestServer } from '@aigw/testing';
import { publishBroadcast, subscribeBroadcast, type BroadcastContract } from '../src';

const Changed = { subject: 'test.v1.changed', schema: z.object({ id: z.string() }) } satisfies BroadcastContract;

const logger = createLogger('test', 'silent');
let nats: TestServer;
const conns: NatsConnection[] = [];

async function connection(): Promise<NatsConnection> {
  const nc = await connect({ servers: nats.url, reconnectTimeWait: 100, maxReconnectAttempts: -1 });
  conns.push(nc);
  return nc;
}

function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error('condition not met in time'));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

beforeAll(async () => {
  nats = await startNatsServer();
});

afterAll(async () => {
  await Promise.all(conns.map((nc) => nc.close()));
  await nats.cleanup();
});

describe('bus – broadcast events', () => {
  it('broadcast – every subscriber gets every event, not one of a queue group', async () => {
    const publisher = await connection();
    const seen: string[][] = [[], []];
    const subs = await Promise.all(
      seen.map(async (events) => {
        const nc = await connection();
        const sub = subscribeBroadcast(nc, Changed, { onEvent: (e) => events.push(e.id), onResync: () => undefined }, logger);
        await nc.flush();
        return sub;
      }),
    );

    await publishBroadcast(publisher, Changed, { id: 'a' });
    await publishBroadcast(publisher, Changed, { id: 'b' });

    await until(() => seen.every((events) => events.length === 2));
    expect(seen).toEqual([['a', 'b'], ['a', 'b']]);
    subs.forEach((s) => s.close());
  });

  it('broadcast – skips an event that does not match the contract and keeps listening', async () => {
    const nc = await connection();
    const events: string[] = [];
    const sub = subscribeBroadcast(nc, Changed, { onEvent: (e) => events.push(e.id), onResync: () => undefined }, logger);
    await nc.flush();

    nc.publish(Changed.subject, 'not json');
    nc.publish(Changed.subject, JSON.stringify({ other: 1 }));
    await publishBroadcast(nc, Changed, { id: 'ok' });

    await until(() => events.length === 1);
    expect(events).toEqual(['ok']);
    sub.close();
  });

  it('broadcast – refuses to publish an event that does not match the contract', async () => {
    const nc = await connection();
    await expect(publishBroadcast(nc, Changed, { id: 1 } as never)).rejects.toThrow();
  });

  it('broadcast – asks the subscriber to resync after a reconnect, when events may have been lost', async () => {
    const nc = await connection();
    let resyncs = 0;
    const sub = subscribeBroadcast(nc, Changed, { onEvent: () => undefined, onResync: () => (resyncs += 1) }, logger);

    await nats.stop();
    await nats.restart();

    await until(() => resyncs === 1, 10_000);
    sub.close();
  });
});
