import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { jetstreamManager } from '@nats-io/jetstream';
import { Consumers, Streams, type UsageRecorded } from '@aigw/contracts';
import { ensureUsageStream } from '@aigw/bus';
import { encodeMember, LedgerKeys, LIVE_PREFIX } from '../src/ledger-keys';
import { MeteringRunningError, rebuildLedger, type RebuildReport } from '../src/ledger-rebuild';
import type { MeteringService } from '../src/metering-service';
import { writeTestConfig } from './metering-process';
import { consumerSettled, eventually, PRICES, publishUsage, silent, startMetering, startStack, usageEvent, type TestStack } from './support';

const live = new LedgerKeys(LIVE_PREFIX);
const member = (e: UsageRecorded) => encodeMember({ tenant: e.tenantId, key: e.keyId, model: e.model, provider: e.provider });

function rebuild(stack: TestStack, redis: Redis, apply = false): Promise<RebuildReport> {
  return rebuildLedger({ nc: stack.nc, redis, prices: PRICES, dedupeTtlS: 3_600, apply, catchUpTimeoutMs: 5_000, logger: silent });
}

describe('rebuild over a complete stream', () => {
  let stack: TestStack;
  let redis: Redis;
  let metering: MeteringService | undefined;
  const events = Array.from({ length: 200 }, (_, i) =>
    usageEvent({
      ts: new Date(Date.UTC(2025, 4, 1 + (i % 3), i % 24)).toISOString(),
      tenantId: `t${i % 3}`,
      keyId: `k${i % 5}`,
      provider: i % 4 === 0 ? 'azure' : 'openai',
      promptTokens: i * 10,
      completionTokens: i,
    }),
  );

  beforeAll(async () => {
    stack = await startStack();
    redis = new Redis(stack.redis.url);
    metering = await startMetering(stack);
    await Promise.all(events.map((e) => publishUsage(stack, e)));
    // A republish under another message id: the stream holds it twice, the ledger counts it once.
    await publishUsage(stack, events[0], `${events[0].id}-again`);
    await consumerSettled(stack);
  });

  afterAll(async () => {
    await metering?.close();
    redis?.disconnect();
    await stack?.close();
  });

  it('rebuild – finds no difference between the stream and aggregates written by metering, and leaves no scratch keys', async () => {
    const report = await rebuild(stack, redis);
    expect(report).toMatchObject({
      stream: { firstSeq: 1, messages: events.length + 1 },
      comparedFrom: null,
      replayed: { messages: events.length + 1, counted: events.length, duplicates: 1, invalid: 0 },
      liveCaughtUp: true,
      differences: [],
      applied: false,
    });
    expect(report.comparedKeys).toBeGreaterThan(events.length / 10);
    expect(await redis.keys('metering:rebuild:*')).toEqual([]);
  });

  it('rebuild – reports each stored key that differs from the events, with both values, through the command line too', async () => {
    const e = events[7];
    const hourKey = live.usage('hour', e.ts.slice(0, 13), member(e));
    await redis.hincrby(hourKey, 'prompt_tokens', 5);
    const bogus = live.usage('day', '2025-05-02', encodeMember({ tenant: 'ghost', key: 'k', model: 'm', provider: 'p' }));
    await redis.hset(bogus, 'requests', 1);

    const report = await rebuild(stack, redis);
    expect(report.differences.map((d) => d.key).sort()).toEqual([bogus, hourKey].sort());
    const hour = report.differences.find((d) => d.key === hourKey)!;
    expect(Number((hour.stored as Record<string, string>).prompt_tokens) - Number((hour.rebuilt as Record<string, string>).prompt_tokens)).toBe(5);
    expect(report.differences.find((d) => d.key === bogus)).toMatchObject({ stored: { requests: '1' }, rebuilt: null });

    const config = writeTestConfig();
    try {
      const cli = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'apps/metering/src/rebuild.ts', '--json'], {
        cwd: resolve(__dirname, '../../..'),
        env: { ...process.env, NATS_URL: stack.nats.url, REDIS_URL: stack.redis.url, AIGW_CONFIG: config.path, LOG_LEVEL: 'silent' },
      }).then(
        () => ({ code: 0, stdout: '' }),
        (err: { code: number; stdout: string }) => err,
      );
      expect(cli.code).toBe(1);
      expect((JSON.parse(cli.stdout) as RebuildReport).differences.map((d) => d.key).sort()).toEqual([bogus, hourKey].sort());
    } finally {
      config.cleanup();
    }
  });

  it('rebuild – refuses --apply while metering consumes', async () => {
    await expect(rebuild(stack, redis, true)).rejects.toBeInstanceOf(MeteringRunningError);
  });

  it('rebuild – --apply with metering stopped restores the aggregates, and metering then counts nothing twice', async () => {
    await metering!.close();
    metering = undefined;
    const jsm = await jetstreamManager(stack.nc);
    await eventually(async () => expect((await jsm.consumers.info(Streams.usage.name, Consumers.meteringLedger)).num_waiting).toBe(0), 40_000);

    const applied = await rebuild(stack, redis, true);
    expect(applied).toMatchObject({ applied: true });
    expect(applied.differences).toHaveLength(2);
    expect((await rebuild(stack, redis)).differences).toEqual([]);

    metering = await startMetering(stack);
    const later = usageEvent({ ts: events[7].ts, tenantId: events[7].tenantId, keyId: events[7].keyId, provider: events[7].provider });
    await publishUsage(stack, later);
    await consumerSettled(stack);
    expect((await rebuild(stack, redis)).differences).toEqual([]);
  }, 60_000);
});

describe('rebuild over a stream whose oldest events have aged out', () => {
  let stack: TestStack;
  let redis: Redis;
  let metering: MeteringService;

  beforeAll(async () => {
    stack = await startStack();
    redis = new Redis(stack.redis.url);
    metering = await startMetering(stack, { stream: { replicas: 1, maxAgeMs: 3_000 } });
  });

  afterAll(async () => {
    await metering?.close();
    redis?.disconnect();
    await stack?.close();
  });

  it('rebuild – compares only the buckets that start after the oldest message kept, and changes nothing older', async () => {
    const old = usageEvent({ ts: '2025-01-10T12:00:00Z', tenantId: 'aged' });
    await publishUsage(stack, old);
    await consumerSettled(stack);
    const jsm = await jetstreamManager(stack.nc);
    await eventually(async () => expect((await jsm.streams.info(Streams.usage.name)).state.messages).toBe(0), 10_000);

    const nextHour = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 60_000);
    const recent = usageEvent({ ts: nextHour.toISOString(), tenantId: 'recent' });
    await publishUsage(stack, recent);
    await consumerSettled(stack);

    await redis.hincrby(live.usage('hour', old.ts.slice(0, 13), member(old)), 'requests', 1);
    const recentHour = live.usage('hour', recent.ts.slice(0, 13), member(recent));
    await redis.hincrby(recentHour, 'requests', 1);

    const report = await rebuild(stack, redis);
    expect(report.stream.firstSeq).toBe(2);
    expect(new Date(report.comparedFrom!).getTime()).toBeLessThanOrEqual(nextHour.getTime());
    expect(report.differences.map((d) => d.key)).toEqual([recentHour]);
  });

  it('rebuild – provisions the stream with the configured retention', async () => {
    await ensureUsageStream(stack.nc, { replicas: 1, maxAgeMs: 3_000 });
    const info = await (await jetstreamManager(stack.nc)).streams.info(Streams.usage.name);
    expect(info.config).toMatchObject({ max_age: 3_000_000_000, duplicate_window: 3_000_000_000, num_replicas: 1, storage: 'file' });
  });
});
