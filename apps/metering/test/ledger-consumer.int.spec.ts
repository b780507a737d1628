import { jetstreamManager } from '@nats-io/jetstream';
import { Consumers, Streams, Subjects, type Principal } from '@aigw/contracts';
import type { MeteringService } from '../src/metering-service';
import {
  allRows,
  bearer,
  consumerSettled,
  eventually,
  expectedTotals,
  getUsage,
  metricValue,
  publishUsage,
  startMetering,
  startStack,
  sumRows,
  usageEvent,
  type TestStack,
} from './support';

const ADMIN = 'sk-aigw-admin-ledger-0000000000000000';
const admin: Principal = { keyId: 'key_admin', tenantId: 'ops', role: 'admin', keyPrefix: 'sk-aigw...0000', limits: {} };

let stack: TestStack;
let metering: MeteringService;

beforeAll(async () => {
  stack = await startStack();
  stack.keys.set(ADMIN, admin);
  metering = await startMetering(stack);
});

afterAll(async () => {
  await metering?.close();
  await stack?.close();
});

/** Usage of one tenant on one day, as an admin sees it: the rows by day and every dimension, and their sums. */
async function usageOf(tenant: string, date: string) {
  const data = await allRows(metering, { from: date, to: date, tenant }, bearer(ADMIN));
  return { data, totals: sumRows(data) };
}

const dims = (r: Record<string, unknown>) => [r.key_id, r.model, r.provider];

describe('metering ledger consumer', () => {
  it('ledger – creates the durable pull consumer with explicit acks on the USAGE stream', async () => {
    const jsm = await jetstreamManager(stack.nc);
    const info = await jsm.consumers.info(Streams.usage.name, Consumers.meteringLedger);
    expect(info.config).toMatchObject({ durable_name: 'metering-ledger', ack_policy: 'explicit', deliver_policy: 'all' });
    expect(info.config.deliver_subject).toBeUndefined();
  });

  it('ledger – aggregates published events per day, tenant, key, model and provider', async () => {
    const day1 = [
      usageEvent({ tenantId: 'sums', keyId: 'k1', model: 'gpt-4o', promptTokens: 11, completionTokens: 7, cachedTokens: 3 }),
      usageEvent({ tenantId: 'sums', keyId: 'k1', model: 'gpt-4o', promptTokens: 5, completionTokens: 0, status: 502 }),
      usageEvent({ tenantId: 'sums', keyId: 'k1', model: 'gpt-4o', stream: true, incomplete: true, completionTokens: 9 }),
    ];
    const otherModel = usageEvent({ tenantId: 'sums', keyId: 'k1', model: 'claude', servedModel: 'claude-sonnet', provider: 'anthropic', promptTokens: 100, completionTokens: 1 });
    const otherProvider = usageEvent({ tenantId: 'sums', keyId: 'k1', model: 'gpt-4o', provider: 'azure', promptTokens: 1_000, completionTokens: 1_000 });
    const nextDayLate = usageEvent({ tenantId: 'sums', keyId: 'k1', model: 'gpt-4o', ts: '2025-01-11T23:59:59.999Z' });
    for (const e of [...day1, otherModel, otherProvider, nextDayLate]) await publishUsage(stack, e);

    const body = await eventually(async () => {
      const b = await usageOf('sums', '2025-01-10');
      expect(b.totals.requests).toBe(5);
      return b;
    });
    const { cost_micros: _c, ...counts } = expectedTotals(day1);
    expect(body.data.map(dims)).toEqual([
      ['k1', 'claude', 'anthropic'],
      ['k1', 'gpt-4o', 'azure'],
      ['k1', 'gpt-4o', 'openai'],
    ]);
    expect(body.data[2]).toEqual({
      start: '2025-01-10T00:00:00Z',
      end: '2025-01-11T00:00:00Z',
      tenant_id: 'sums',
      key_id: 'k1',
      model: 'gpt-4o',
      provider: 'openai',
      ...counts,
      cost: { amount: expect.any(String), currency: 'USD' },
    });
    expect(sumRows([body.data[0]])).toEqual(expectedTotals([otherModel]));
    expect(sumRows([body.data[1]])).toEqual(expectedTotals([otherProvider]));
    expect(body.totals).toEqual(expectedTotals([...day1, otherModel, otherProvider]));
    await eventually(async () => expect((await usageOf('sums', '2025-01-11')).totals).toEqual(expectedTotals([nextDayLate])));
  });

  it('ledger – counts an event once however often it is published, with or without the same message id', async () => {
    const event = usageEvent({ tenantId: 'dupes', promptTokens: 13, completionTokens: 17 });
    const sameMsgId = [];
    for (let i = 0; i < 3; i++) sameMsgId.push((await publishUsage(stack, event)).duplicate);
    expect(sameMsgId).toEqual([false, true, true]);
    // Distinct message ids get past JetStream's duplicate window, as a retry after the window would.
    for (let i = 0; i < 3; i++) expect((await publishUsage(stack, event, `${event.id}-retry-${i}`)).duplicate).toBe(false);
    await consumerSettled(stack);
    // And once more after it was counted and acknowledged.
    await publishUsage(stack, event, `${event.id}-late`);
    await consumerSettled(stack);

    expect((await usageOf('dupes', '2025-01-10')).totals).toEqual(expectedTotals([event]));
    expect(await metricValue(metering, 'metering_events_total', { result: 'duplicate' })).toBeGreaterThanOrEqual(3);
  });

  it('ledger – keeps dimension values holding the separator apart and intact', async () => {
    const a = usageEvent({ tenantId: 'sep', keyId: 'a:b', model: 'c' });
    const b = usageEvent({ tenantId: 'sep', keyId: 'a', model: 'b:c' });
    const c = usageEvent({ tenantId: 'sep', keyId: 'a%3Ab', model: 'c' });
    for (const e of [a, b, c]) await publishUsage(stack, e);
    const body = await eventually(async () => {
      const r = await usageOf('sep', '2025-01-10');
      expect(r.totals.requests).toBe(3);
      return r;
    });
    expect(body.data.map((r) => [r.key_id, r.model, r.requests])).toEqual([
      ['a', 'b:c', 1],
      ['a%3Ab', 'c', 1],
      ['a:b', 'c', 1],
    ]);
    const filtered = await getUsage(metering, { from: '2025-01-10', to: '2025-01-10', key: 'a:b' }, bearer(ADMIN));
    expect(filtered.body.data.map((r) => [r.key_id, r.model])).toEqual([['a:b', 'c']]);
  });

  it('ledger – terminates an invalid event and goes on with the ones after it', async () => {
    const before = await metricValue(metering, 'metering_events_total', { result: 'invalid' });
    await stack.js.publish(Subjects.usageRecorded, 'this is not json', { msgID: 'garbage-1' });
    await publishUsage(stack, { ...usageEvent({ tenantId: 'invalid' }), promptTokens: -5 }, 'garbage-2');
    const valid = usageEvent({ tenantId: 'invalid' });
    await publishUsage(stack, valid);

    await eventually(async () => expect((await usageOf('invalid', '2025-01-10')).totals).toEqual(expectedTotals([valid])));
    await consumerSettled(stack);
    // Settled means nothing awaits an ack: a nak'ed invalid event would be pending (and counted) again and again.
    expect(await metricValue(metering, 'metering_events_total', { result: 'invalid' })).toBe(before + 2);
  });

  it('ledger – counts events published while metering was stopped exactly once after it restarts', async () => {
    await metering.close();
    const events = Array.from({ length: 20 }, (_, i) => usageEvent({ tenantId: 'offline', promptTokens: i, completionTokens: 1 }));
    for (const e of events) await publishUsage(stack, e);
    metering = await startMetering(stack);

    await eventually(async () => expect((await usageOf('offline', '2025-01-10')).totals).toEqual(expectedTotals(events)));
    await consumerSettled(stack);
    expect((await usageOf('offline', '2025-01-10')).totals).toEqual(expectedTotals(events));
  });

  it('ledger – a stop in the middle of a backlog loses and repeats nothing', async () => {
    const events = Array.from({ length: 300 }, (_, i) => usageEvent({ tenantId: 'midway', promptTokens: i % 7, stream: i % 2 === 0 }));
    await Promise.all(events.map((e) => publishUsage(stack, e)));
    await metering.close();
    metering = await startMetering(stack);

    await eventually(async () => expect((await usageOf('midway', '2025-01-10')).totals).toEqual(expectedTotals(events)));
    await consumerSettled(stack);
    expect((await usageOf('midway', '2025-01-10')).totals).toEqual(expectedTotals(events));
  });

  // Last: restarting redis-server empties it (it keeps nothing on disk).
  it('ledger – keeps events while Redis is down, answers 503 naming Redis, and counts them once it is back', async () => {
    await stack.redis.stop();
    const events = Array.from({ length: 5 }, () => usageEvent({ tenantId: 'outage' }));
    for (const e of events) await publishUsage(stack, e);

    await eventually(async () => expect(await metricValue(metering, 'metering_events_total', { result: 'retried' })).toBeGreaterThan(0));
    const down = await getUsage(metering, { from: '2025-01-10', to: '2025-01-10' }, bearer(ADMIN));
    expect(down.status).toBe(503);
    expect(down.body.error).toMatchObject({ type: 'server_error', code: 'service_unavailable' });
    expect(down.body.error?.message).toMatch(/Redis/);
    const ready = await fetch(`http://127.0.0.1:${metering.port}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ checks: { redis: false, nats: true } });

    await stack.redis.restart();
    await eventually(async () => expect((await usageOf('outage', '2025-01-10')).totals).toEqual(expectedTotals(events)));
    await consumerSettled(stack);
    expect((await usageOf('outage', '2025-01-10')).totals).toEqual(expectedTotals(events));
    expect((await fetch(`http://127.0.0.1:${metering.port}/readyz`)).status).toBe(200);
  });
});
