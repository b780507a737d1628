import { once } from 'node:events';
import { jetstreamManager } from '@nats-io/jetstream';
import type { Redis } from 'ioredis';
import { ensureUsageStream } from '@aigw/bus';
import { Consumers, Streams, type UsageRecorded } from '@aigw/contracts';
import { createMetricsRegistry } from '@aigw/telemetry';
import { ensureLedgerConsumer, startLedgerConsumer, type LedgerConsumer, type LedgerConsumerOptions } from '../src/consumer';
import { addCounters, emptyCounters, type Counters } from '../src/event-counters';
import { Ledger } from '../src/ledger';
import { decodeMember } from '../src/ledger-keys';
import { createMeteringMetrics, EventResult, type MeteringMetrics } from '../src/metrics';
import { connectRedis } from '../src/redis-client';
import { consumerSettled, eventually, expectedTotals, PRICES, publishUsage, silent, startStack, usageEvent, type TestStack } from './support';

const DAY = '2025-01-10';
const OPTIONS: LedgerConsumerOptions = { ackWaitMs: 5_000, maxAckPending: 1_000, retryDelayMs: 200, batchWindowMs: 20 };

let stack: TestStack;
let redis: Redis;
let ledger: Ledger;
let consumer: LedgerConsumer | undefined;

beforeAll(async () => {
  stack = await startStack();
  await ensureUsageStream(stack.nc, { replicas: 1 });
  await ensureLedgerConsumer(stack.nc, OPTIONS);
  redis = connectRedis({ url: stack.redis.url, commandTimeoutMs: 1_000 }, silent);
  // It fails fast until connected (no offline queue): a consumer started before would find Redis down and
  // hand back its whole first batch, so no write would reach Redis before the failures the tests inject.
  if (redis.status !== 'ready') await once(redis, 'ready');
  ledger = new Ledger(redis, { dedupeTtlS: 60 * 60, prices: PRICES });
});

afterEach(async () => {
  await consumer?.close();
  consumer = undefined;
});

afterAll(async () => {
  await redis?.quit();
  await stack?.close();
});

/** The ledger consumer of metering, writing through `record` instead of the ledger's own. */
async function startConsumer(
  record: Ledger['record'],
  options: Partial<LedgerConsumerOptions> = {},
): Promise<{ consumer: LedgerConsumer; metrics: MeteringMetrics }> {
  const metrics = createMeteringMetrics(createMetricsRegistry('metering-test'));
  consumer = await startLedgerConsumer({ nc: stack.nc, ledger: { record }, logger: silent, metrics, options: { ...OPTIONS, ...options } });
  return { consumer, metrics };
}

/** Message acks JetStream still waits for on the ledger consumer. */
async function ackPending(): Promise<number> {
  const jsm = await jetstreamManager(stack.nc);
  return (await jsm.consumers.info(Streams.usage.name, Consumers.meteringLedger)).num_ack_pending;
}

async function eventsWith(metrics: MeteringMetrics, result: EventResult): Promise<number> {
  const { values } = await metrics.events.get();
  return values.find((v) => v.labels.result === result)?.value ?? 0;
}

/** Every counter of a tenant on `DAY`, summed over its keys, models and providers, read from Redis. */
async function totalsOf(tenant: string): Promise<Counters> {
  const [members] = await ledger.indexes('day', [DAY]);
  const cells = members.filter((m) => decodeMember(m).tenant === tenant).map((member) => ({ bucket: DAY, member }));
  return (await ledger.usage('day', cells)).reduce(addCounters, emptyCounters());
}

/** Events published before the consumer starts, so that its first pull receives them as one batch. */
async function backlog(tenant: string, n: number): Promise<UsageRecorded[]> {
  const events = Array.from({ length: n }, (_, i) => usageEvent({ tenantId: tenant, keyId: `k${i % 3}`, promptTokens: i, stream: i % 2 === 0 }));
  await Promise.all(events.map((e) => publishUsage(stack, e)));
  return events;
}

describe('ledger consumer – concurrent batch', () => {
  it('concurrent batch – a Redis failure mid-batch hands back only the failed events, each then counted once', async () => {
    const events = await backlog('mid-batch', 48);
    // A quarter fail before their write reaches Redis, a quarter after it (the reply is lost, as on a timeout).
    const failBefore = new Set(events.filter((_, i) => i % 4 === 0).map((e) => e.id));
    const failAfter = new Set(events.filter((_, i) => i % 4 === 1).map((e) => e.id));
    const attempts = new Map<string, number>();
    let running = 0;
    let mostAtOnce = 0;
    // First writes wait until the whole backlog is in flight, so that the failures happen mid-batch. A
    // consumer that never gets there (one message at a time) is let through later, to fail below.
    let releaseBatch!: () => void;
    const batchInFlight = new Promise<void>((resolve) => (releaseBatch = resolve));
    const giveUp = setTimeout(releaseBatch, 2_000);

    const { metrics } = await startConsumer(async (event) => {
      const attempt = (attempts.get(event.id) ?? 0) + 1;
      attempts.set(event.id, attempt);
      mostAtOnce = Math.max(mostAtOnce, ++running);
      if (running === events.length) releaseBatch();
      try {
        if (attempt === 1) await batchInFlight;
        if (attempt === 1 && failBefore.has(event.id)) throw new Error('Connection is closed.');
        const outcome = await ledger.record(event);
        if (attempt === 1 && failAfter.has(event.id)) throw new Error('Command timed out');
        return outcome;
      } finally {
        running--;
      }
    });
    await consumerSettled(stack);
    clearTimeout(giveUp);

    expect(mostAtOnce).toBe(events.length);
    expect(await totalsOf('mid-batch')).toEqual(expectedTotals(events));
    for (const id of [...failBefore, ...failAfter]) expect(attempts.get(id)).toBeGreaterThanOrEqual(2);
    expect(await eventsWith(metrics, EventResult.Retried)).toBeGreaterThanOrEqual(failBefore.size + failAfter.size);
    // The ones written before their failure are recognised when redelivered.
    expect(await eventsWith(metrics, EventResult.Duplicate)).toBeGreaterThanOrEqual(failAfter.size);
    expect(await eventsWith(metrics, EventResult.Counted)).toBe(events.length - failAfter.size);
  });

  it('concurrent batch – close() finishes every write in flight and acks it; the next consumer counts the rest once', async () => {
    const events = await backlog('closing', 300);
    let started = 0;
    let finished = 0;
    await startConsumer(async (event) => {
      started++;
      await new Promise((r) => setTimeout(r, 300));
      const outcome = await ledger.record(event);
      finished++;
      return outcome;
    });
    await eventually(async () => expect(started).toBeGreaterThan(0));

    await consumer!.close();
    consumer = undefined;
    expect(finished).toBe(started);
    expect(finished).toBeLessThan(events.length);
    // Everything received was acknowledged: nothing waits for ack_wait (5 s) to be redelivered.
    const jsm = await jetstreamManager(stack.nc);
    await eventually(async () => {
      const info = await jsm.consumers.info(Streams.usage.name, Consumers.meteringLedger);
      expect(info.num_ack_pending).toBe(0);
    }, 2_000);
    expect((await totalsOf('closing')).requests).toBe(finished);

    await startConsumer((event) => ledger.record(event));
    await consumerSettled(stack);
    expect(await totalsOf('closing')).toEqual(expectedTotals(events));
  });
});

describe('ledger consumer – batch window', () => {
  it('batch window – events arriving one by one within the window are written in the same tick', async () => {
    const written: string[] = [];
    let sameTick: string[] | undefined;
    await startConsumer(
      (event) => {
        if (written.length === 0) setImmediate(() => (sameTick = [...written]));
        written.push(event.id);
        return ledger.record(event);
      },
      { batchWindowMs: 500 },
    );
    const events = Array.from({ length: 8 }, () => usageEvent({ tenantId: 'spread' }));
    for (const e of events) await publishUsage(stack, e);

    await consumerSettled(stack);
    expect(sameTick).toEqual(events.map((e) => e.id));
    expect(await totalsOf('spread')).toEqual(expectedTotals(events));
  });

  it('batch window – a full batch is written at once; close() writes and acks the partial one without waiting', async () => {
    const events = await backlog('full-batch', 70);
    let recorded = 0;
    await startConsumer(
      async (event) => {
        const outcome = await ledger.record(event);
        recorded++;
        return outcome;
      },
      { batchWindowMs: 60_000 },
    );

    await eventually(async () => expect(recorded).toBe(64));
    await eventually(async () => expect(await ackPending()).toBe(6));
    await consumer!.close();
    consumer = undefined;

    expect(recorded).toBe(events.length);
    await eventually(async () => expect(await ackPending()).toBe(0), 2_000);
    expect(await totalsOf('full-batch')).toEqual(expectedTotals(events));
  });
});
