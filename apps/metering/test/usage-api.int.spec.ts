import type { Principal, UsageRecorded } from '@aigw/contracts';
import type { MeteringService } from '../src/metering-service';
import {
  bearer,
  consumerSettled,
  expectedTotals,
  getUsage,
  metricValue,
  publishUsage,
  startMetering,
  startStack,
  usageEvent,
  type TestStack,
} from './support';

const principal = (keyId: string, tenantId: string, role: Principal['role']): Principal => ({
  keyId,
  tenantId,
  role,
  keyPrefix: 'sk-aigw...test',
  limits: {},
});

const KEYS = {
  admin: ['sk-aigw-admin-00000000000000000000', principal('key_admin', 'ops', 'admin')],
  finance: ['sk-aigw-finance-a-0000000000000000', principal('key_fin_a', 'tenant_a', 'finance')],
  client: ['sk-aigw-client-a1-000000000000000', principal('key_a1', 'tenant_a', 'client')],
} as const;
const ADMIN = KEYS.admin[0];
const FINANCE = KEYS.finance[0];
const CLIENT = KEYS.client[0];

/** Usage of two tenants over three days; the API answers are checked against sums of these. */
const events: UsageRecorded[] = [
  usageEvent({ ts: '2025-02-01T08:00:00Z', tenantId: 'tenant_a', keyId: 'key_a1', model: 'gpt-4o', promptTokens: 10, completionTokens: 1 }),
  usageEvent({ ts: '2025-02-01T09:00:00Z', tenantId: 'tenant_a', keyId: 'key_a1', model: 'gpt-4o', promptTokens: 20, cachedTokens: 5 }),
  usageEvent({ ts: '2025-02-01T10:00:00Z', tenantId: 'tenant_a', keyId: 'key_a2', model: 'gpt-4o', status: 500, promptTokens: 3 }),
  usageEvent({ ts: '2025-02-02T00:00:00Z', tenantId: 'tenant_a', keyId: 'key_a1', model: 'claude', stream: true, completionTokens: 40 }),
  usageEvent({ ts: '2025-02-02T12:00:00Z', tenantId: 'tenant_b', keyId: 'key_b1', model: 'gpt-4o', promptTokens: 7, completionTokens: 7 }),
  usageEvent({ ts: '2025-02-03T23:59:59Z', tenantId: 'tenant_b', keyId: 'key_b1', model: 'claude', promptTokens: 1, completionTokens: 2 }),
  usageEvent({ ts: '2025-02-04T00:00:00Z', tenantId: 'tenant_a', keyId: 'key_a1', model: 'gpt-4o', promptTokens: 1000 }),
];
const FEB_1_TO_3 = { from: '2025-02-01', to: '2025-02-03' };
const inRange = (e: UsageRecorded) => e.ts < '2025-02-04';

let stack: TestStack;
let metering: MeteringService;

beforeAll(async () => {
  stack = await startStack();
  for (const [secret, p] of Object.values(KEYS)) stack.keys.set(secret, p);
  metering = await startMetering(stack);
  for (const e of events) await publishUsage(stack, e);
  await consumerSettled(stack);
});

afterAll(async () => {
  await metering?.close();
  await stack?.close();
});

/** The expected API row for the events of one day and dimension tuple. */
function row(date: string, tenant: string, key: string, model: string) {
  const matching = events.filter((e) => e.ts.startsWith(date) && e.tenantId === tenant && e.keyId === key && e.model === model);
  return { date, tenant_id: tenant, key_id: key, model, ...expectedTotals(matching) };
}

describe('GET /v1/usage', () => {
  it('usage API – admin sees every row in the range, sorted by date then dimensions, with totals', async () => {
    const { status, body } = await getUsage(metering, FEB_1_TO_3, bearer(ADMIN));
    expect(status).toBe(200);
    expect(body.object).toBe('list');
    expect(body.data).toEqual([
      row('2025-02-01', 'tenant_a', 'key_a1', 'gpt-4o'),
      row('2025-02-01', 'tenant_a', 'key_a2', 'gpt-4o'),
      row('2025-02-02', 'tenant_a', 'key_a1', 'claude'),
      row('2025-02-02', 'tenant_b', 'key_b1', 'gpt-4o'),
      row('2025-02-03', 'tenant_b', 'key_b1', 'claude'),
    ]);
    expect(body.totals).toEqual(expectedTotals(events.filter(inRange)));
  });

  it('usage API – filters by tenant, key and model', async () => {
    const byModel = await getUsage(metering, { ...FEB_1_TO_3, model: 'claude' }, bearer(ADMIN));
    expect(byModel.body.totals).toEqual(expectedTotals(events.filter((e) => inRange(e) && e.model === 'claude')));
    const byKey = await getUsage(metering, { ...FEB_1_TO_3, tenant: 'tenant_a', key: 'key_a2' }, bearer(ADMIN));
    expect(byKey.body.data).toEqual([row('2025-02-01', 'tenant_a', 'key_a2', 'gpt-4o')]);
  });

  it('usage API – reads today (UTC) when no dates are given', async () => {
    const now = usageEvent({ ts: new Date().toISOString(), tenantId: 'tenant_today' });
    await publishUsage(stack, now);
    await consumerSettled(stack);
    const { status, body } = await getUsage(metering, { tenant: 'tenant_today' }, bearer(ADMIN));
    expect(status).toBe(200);
    expect(body.data).toEqual([{ date: now.ts.slice(0, 10), tenant_id: 'tenant_today', key_id: now.keyId, model: now.model, ...expectedTotals([now]) }]);
  });

  it('usage API – finance sees only its own tenant and is refused another one', async () => {
    const own = await getUsage(metering, FEB_1_TO_3, bearer(FINANCE));
    expect(own.status).toBe(200);
    expect(own.body.totals).toEqual(expectedTotals(events.filter((e) => inRange(e) && e.tenantId === 'tenant_a')));
    expect(new Set(own.body.data.map((r) => r.tenant_id))).toEqual(new Set(['tenant_a']));

    const other = await getUsage(metering, { ...FEB_1_TO_3, tenant: 'tenant_b' }, bearer(FINANCE));
    expect(other.status).toBe(403);
    expect(other.body.error).toMatchObject({ code: 'permission_denied' });
  });

  it('usage API – a client key sees only its own rows, also when sent as x-api-key', async () => {
    const own = await getUsage(metering, FEB_1_TO_3, { 'x-api-key': CLIENT });
    expect(own.status).toBe(200);
    expect(own.body.totals).toEqual(expectedTotals(events.filter((e) => inRange(e) && e.keyId === 'key_a1')));
    expect(new Set(own.body.data.map((r) => r.key_id))).toEqual(new Set(['key_a1']));

    const sibling = await getUsage(metering, { ...FEB_1_TO_3, key: 'key_a2' }, bearer(CLIENT));
    expect(sibling.status).toBe(403);
  });

  it.each([
    ['no key', {}],
    ['an unknown key', bearer('sk-aigw-unknown-000000000000000000')],
    ['a non-Bearer scheme', { authorization: `Basic ${Buffer.from(`x:${ADMIN}`).toString('base64')}` }],
  ])('usage API – answers 401 for %s', async (_, headers) => {
    const { status, body } = await getUsage(metering, FEB_1_TO_3, headers);
    expect(status).toBe(401);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key', param: null });
  });

  it.each([
    [{ from: '2025-02-30' }, 'from'],
    [{ from: '2025-02-03', to: '2025-02-01' }, 'from'],
    [{ from: '2024-01-01', to: '2025-02-01' }, 'to'],
    [{ to: 'yesterday' }, 'to'],
    [{ tenant_id: 'tenant_a' }, 'tenant_id'],
  ])('usage API – answers 400 for %j naming the parameter', async (query, param) => {
    const { status, body } = await getUsage(metering, query, bearer(ADMIN));
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request', param });
    expect(body.error?.message).toContain(param);
  });

  it('usage API – answers 404 in the same error shape for an unknown path', async () => {
    const res = await fetch(`http://127.0.0.1:${metering.port}/v1/nothing-here`, { headers: bearer(ADMIN) });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { message: 'Unknown request URL: GET /v1/nothing-here.', type: 'invalid_request_error', param: null, code: 'not_found' },
    });
  });

  it('usage API – asks auth once for a key used several times in a row', async () => {
    const secret = 'sk-aigw-cache-000000000000000000000';
    stack.keys.set(secret, principal('key_cache', 'tenant_a', 'client'));
    const before = stack.authCalls();
    const replies = await Promise.all([1, 2, 3].map(() => getUsage(metering, FEB_1_TO_3, bearer(secret))));
    replies.push(await getUsage(metering, FEB_1_TO_3, bearer(secret)));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(stack.authCalls() - before).toBe(1);
  });

  it('usage API – serves healthz, readyz and metrics without a key', async () => {
    const base = `http://127.0.0.1:${metering.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { nats: true, redis: true, consumer: true } });
    expect(await metricValue(metering, 'metering_events_total', { result: 'counted' })).toBe(events.length + 1);
    expect(await metricValue(metering, 'metering_aggregation_seconds_count')).toBe(events.length + 1);
  });

  // Last: stops the in-test auth service.
  it('usage API – answers 503 naming auth when auth does not answer', async () => {
    await stack.auth.stop();
    const { status, body } = await getUsage(metering, FEB_1_TO_3, bearer('sk-aigw-never-seen-0000000000000000'));
    expect(status).toBe(503);
    expect(body.error).toMatchObject({ type: 'server_error', code: 'service_unavailable' });
    expect(body.error?.message).toMatch(/\bauth\b/);
  });
});
