import { connect, errors as natsErrors, type NatsConnection } from '@nats-io/transport-node';
import { Streams, Subjects } from '@aigw/contracts';
import { startNatsServer, type TestServer } from '@aigw/testing';
import { AckPolicy, DeliverPolicy, DiscardPolicy, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { createLogger } from '@aigw/telemetry';
import { ensureDurableConsumer, ensureUsageStream, EventPublisher, jetstream, JetStreamPublishError, startBatchConsumer } from '../src';

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

describe('bus – usage stream', () => {
  it('is provisioned idempotently, from several replicas at once', async () => {
    await Promise.all([ensureUsageStream(nc), ensureUsageStream(nc), ensureUsageStream(nc)]);
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(Streams.usage.name);
    expect(info.config.subjects).toEqual(['usage.v1.>']);
    expect(info.config.storage).toBe('file');
    expect(info.config.duplicate_window).toBe(Streams.usage.duplicateWindowMs * 1_000_000);
  });

  it('takes a changed retention on the next start, with the duplicate window kept within it', async () => {
    await ensureUsageStream(nc, { maxAgeMs: 60_000 });
    const info = await (await jetstreamManager(nc)).streams.info(Streams.usage.name);
    expect(info.config.max_age).toBe(60_000 * 1_000_000);
    expect(info.config.duplicate_window).toBe(60_000 * 1_000_000);
  });

  it('stores an event published twice with the same id once', async () => {
    await ensureUsageStream(nc);
    const events = new EventPublisher(nc);
    const first = await events.publish(Subjects.usageRecorded, { id: 'req_1' }, 'req_1');
    const again = await events.publish(Subjects.usageRecorded, { id: 'req_1' }, 'req_1');
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    const info = await (await jetstreamManager(nc)).streams.info(Streams.usage.name);
    expect(info.state.messages).toBe(1);
  });

  it('fails a publish that no stream takes at once, as nats.js does', async () => {
    const events = new EventPublisher(nc, { ackTimeoutMs: 60_000 });
    await expect(events.publish('nowhere.v1.event', { id: 'e1' }, 'e1')).rejects.toBeInstanceOf(natsErrors.NoRespondersError);
  });

  it('fails a publish the stream refuses, with JetStream’s reason', async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'FULL', subjects: ['full.>'], max_msgs: 1, discard: DiscardPolicy.New });
    const events = new EventPublisher(nc);
    await events.publish('full.event', { id: 'f1' }, 'f1');
    const refused = events.publish('full.event', { id: 'f2' }, 'f2');
    await expect(refused).rejects.toBeInstanceOf(JetStreamPublishError);
    await expect(refused).rejects.toThrow(/maximum messages exceeded/);
    await expect(refused).rejects.toMatchObject({ errCode: 10077 });
  });
});

describe('bus – durable consumers', () => {
  it('creates a consumer once, then updates only what may change, keeping its position', async () => {
    await ensureUsageStream(nc);
    const js = jetstream(nc);
    const settings = (ackWaitMs: number) => ({
      changeable: { ack_wait: ackWaitMs * 1_000_000, max_deliver: -1 },
      fixed: { ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All },
    });
    await ensureDurableConsumer(nc, Streams.usage.name, 'test-ledger', settings(30_000));
    await new EventPublisher(nc).publish(Subjects.usageRecorded, { id: 'req_pos' }, 'req_pos');
    const consumer = await js.consumers.get(Streams.usage.name, 'test-ledger');
    let acked = 0;
    for (;;) {
      const msg = await consumer.next({ expires: 1000 });
      if (!msg) break;
      msg.ack();
      acked++;
    }
    expect(acked).toBeGreaterThan(0);

    await ensureDurableConsumer(nc, Streams.usage.name, 'test-ledger', settings(5_000));
    const info = await (await jetstreamManager(nc)).consumers.info(Streams.usage.name, 'test-ledger');
    expect(info.config.ack_wait).toBe(5_000 * 1_000_000);
    expect(info.config.deliver_policy).toBe(DeliverPolicy.All);
    // Not recreated: what was acknowledged stays acknowledged.
    expect(info.ack_floor.stream_seq).toBeGreaterThanOrEqual(acked);
    expect(info.num_pending).toBe(0);
  });
});

/**
 * The consumer loop metering's ledger and quota's reconciler share: it waits for a stream that is not there
 * yet, says so once, starts when it appears, hands messages over in batches, and finishes what it received
 * when closed.
 */
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
