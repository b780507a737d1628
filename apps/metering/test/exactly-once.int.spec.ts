import { jetstreamManager } from '@nats-io/jetstream';
import { Consumers, Streams, type UsageRecorded } from '@aigw/contracts';
import { spawnMetering, writeTestConfig, type MeteringProcess } from './metering-process';
import {
  allRows,
  bearer,
  consumerSettled,
  eventually,
  expectedTotals,
  publishUsage,
  startStack,
  sumRows,
  usageEvent,
  type TestStack,
} from './support';

const ADMIN = 'sk-aigw-admin-exactly-once-000000000';
const TOTAL = 10_000;

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeEvents(n: number): UsageRecorded[] {
  const rnd = random(7);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  return Array.from({ length: n }, (_, i) => {
    const prompt = Math.floor(rnd() * 5_000);
    const completion = Math.floor(rnd() * 2_000);
    const [servedModel, provider] = pick([
      ['gpt-4o-2024-08-06', 'openai'],
      ['gpt-4o-2024-08-06', 'azure'],
      ['claude-sonnet', 'anthropic'],
      ['unpriced-model', 'openai'],
    ]);
    return usageEvent({
      id: `req_once_${i}`,
      ts: new Date(Date.UTC(2025, 3, 1 + Math.floor(rnd() * 3), Math.floor(rnd() * 24), Math.floor(rnd() * 60))).toISOString(),
      tenantId: pick(['t1', 't2', 't3']),
      keyId: pick(['k1', 'k2', 'k3', 'k4']),
      model: servedModel === 'claude-sonnet' ? 'claude' : 'gpt-4o',
      servedModel,
      provider,
      stream: rnd() < 0.5,
      status: rnd() < 0.05 ? 502 : 200,
      promptTokens: prompt,
      cachedTokens: Math.floor(prompt * rnd() * 0.5),
      completionTokens: completion,
      reasoningTokens: Math.floor(completion * rnd() * 0.3),
      usageSource: rnd() < 0.1 ? 'gateway' : 'upstream',
      cacheHit: rnd() < 0.02,
    });
  });
}

let stack: TestStack;
let config: ReturnType<typeof writeTestConfig>;
let metering: MeteringProcess | undefined;

beforeAll(async () => {
  stack = await startStack();
  stack.keys.set(ADMIN, { keyId: 'key_admin', tenantId: 'ops', role: 'admin', keyPrefix: 'sk-aigw...0000', limits: {} });
  config = writeTestConfig();
});

afterAll(async () => {
  await metering?.kill();
  await stack?.close();
  config?.cleanup();
});

/** Publishes in concurrent batches, as many proxy replicas would. */
async function publishAll(events: UsageRecorded[], extraMsgIds = false): Promise<void> {
  for (let i = 0; i < events.length; i += 500) {
    await Promise.all(events.slice(i, i + 500).map((e) => publishUsage(stack, e, extraMsgIds ? `${e.id}-again` : undefined)));
  }
}

/** How far the durable consumer has acknowledged in a row, and the stream's last message. */
async function progress(): Promise<{ ackFloor: number; last: number }> {
  const jsm = await jetstreamManager(stack.nc);
  const [info, stream] = await Promise.all([jsm.consumers.info(Streams.usage.name, Consumers.meteringLedger), jsm.streams.info(Streams.usage.name)]);
  return { ackFloor: info.ack_floor.stream_seq, last: stream.state.last_seq };
}

/** Waits until the durable consumer has acknowledged at least `n` messages in a row. */
async function ackFloorReaches(n: number): Promise<void> {
  const jsm = await jetstreamManager(stack.nc);
  await eventually(async () => {
    const info = await jsm.consumers.info(Streams.usage.name, Consumers.meteringLedger);
    expect(info.ack_floor.stream_seq).toBeGreaterThanOrEqual(n);
  }, 60_000);
}

const start = () => spawnMetering(stack, config.path, { METERING_ACK_WAIT_MS: '1000', METERING_RETRY_DELAY_MS: '200' });

describe('exactly-once under crashes', () => {
  it(`exactly once – ${TOTAL} events, metering killed (SIGKILL) and restarted twice mid-way, every total exact`, async () => {
    const events = makeEvents(TOTAL);
    const [first, second, third] = [events.slice(0, 4_000), events.slice(4_000, 7_000), events.slice(7_000)];
    // Every 50th event is published again under another message id, as a republish after the stream's
    // duplicate window would be: only the ledger's own markers stand between it and a double count.
    const republished = events.filter((_, i) => i % 50 === 0);

    metering = await start();
    await publishAll(first);
    await ackFloorReaches(1_500);
    await metering.kill();
    // Killed mid-way: messages left to consume, some of them delivered and never acknowledged.
    const firstKill = await progress();
    expect(firstKill.ackFloor).toBeLessThan(firstKill.last);
    await publishAll(second);
    await publishAll(republished, true);

    metering = await start();
    await ackFloorReaches(6_000);
    await metering.kill();
    const secondKill = await progress();
    expect(secondKill.ackFloor).toBeLessThan(secondKill.last);
    await publishAll(third);

    metering = await start();
    await consumerSettled(stack, 60_000);

    const rows = await allRows(metering, { from: '2025-04-01', to: '2025-04-03', group_by: 'none' }, bearer(ADMIN));
    expect(sumRows(rows)).toEqual(expectedTotals(events));

    // Exact per tenant, key, model and provider by hour too, not only in the sum.
    const hourly = await allRows(
      metering,
      { granularity: 'hour', from: '2025-04-02T00:00:00Z', to: '2025-04-03T00:00:00Z', tenant: 't2', group_by: 'key,model,provider' },
      bearer(ADMIN),
    );
    const hour = hourly[Math.floor(hourly.length / 2)];
    const cell = events.filter(
      (e) =>
        e.tenantId === 't2' &&
        e.keyId === hour.key_id &&
        e.model === hour.model &&
        e.provider === hour.provider &&
        e.ts.slice(0, 13) === String(hour.start).slice(0, 13),
    );
    expect(sumRows([hour])).toEqual(expectedTotals(cell));
  }, 120_000);
});
