import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { createLogger } from '@aigw/telemetry';
import { startNatsServer, type TestServer } from '@aigw/testing';
import { ensureDurableConsumer, startBatchConsumer } from '../src';

/**
 * The consumer loop metering's ledger and quota's reconciler share: it waits for a stream that is not there
 * yet, says so once, starts when it appears, hands messages over in batches, and finishes what it received
 * when closed.
 */
let nats: TestServer;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
});

afterAll(async () => {
  await nc.close();
  await nats.cleanup();
});

const eventually = async (check: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(check()).toBe(true);
};

describe('bus – batch consumer', () => {
  it('batch consumer – waits for its stream, reporting the cause once, then consumes every message in batches', async () => {
    const problems: string[] = [];
    const batches: number[] = [];
    const seen = new Set<string>();
    const consumer = startBatchConsumer(nc, {
      stream: 'EVENTS',
      consumer: 'events-worker',
      pullSize: 16,
      batch: { maxSize: 8, windowMs: 20, maxInFlight: 2 },
      retryDelayMs: 50,
      ensure: () => ensureDurableConsumer(nc, 'EVENTS', 'events-worker', { changeable: {}, fixed: { ack_policy: AckPolicy.Explicit } }),
      handle: async (batch: readonly JsMsg[]) => {
        batches.push(batch.length);
        for (const msg of batch) {
          seen.add(msg.string());
          msg.ack();
        }
      },
      onProblem: (err) => problems.push((err as Error).name),
      logger: createLogger('test', 'silent'),
    });
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(consumer.running()).toBe(false);
      // Several retries, one report.
      expect(problems).toHaveLength(1);

      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'EVENTS', subjects: ['events.>'] });
      await eventually(() => consumer.running());
      const js = jetstream(nc);
      for (let i = 0; i < 50; i++) await js.publish('events.one', `e${i}`);
      await eventually(() => seen.size === 50);
      expect(Math.max(...batches)).toBeLessThanOrEqual(8);
      expect(batches.reduce((a, b) => a + b, 0)).toBe(50);
    } finally {
      await consumer.close();
    }
    expect(consumer.running()).toBe(false);
  });
});
