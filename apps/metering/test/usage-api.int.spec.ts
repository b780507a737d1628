import { SignJWT } from 'jose';
import { AuthSection } from '@aigw/config';
import { KeysChangedEvent, type Principal, type UsageRecorded } from '@aigw/contracts';
import { publishBroadcast } from '@aigw/bus';
import type { MeteringService } from '../src/metering-service';
import {
  allRows,
  bearer,
  consumerSettled,
  eventually,
  expectedTotals,
  getJson,
  getUsage,
  metricValue,
  publishUsage,
  startMetering,
  startStack,
  sumRows,
  usageEvent,
  type Row,
  type TestStack,
} from './support';

const principal = (keyId: string, tenantId: string, role: Principal['role'], over: Partial<Principal> = {}): Principal => ({
  keyId,
  tenantId,
  role,
  keyPrefix: 'sk-aigw...test',
  limits: {},
  ...over,
});

const KEYS = {
  admin: ['sk-aigw-admin-00000000000000000000', principal('key_admin', 'ops', 'admin')],
  finance: ['sk-aigw-finance-a-0000000000000000', principal('key_fin_a', 'tenant_a', 'finance')],
  client: ['sk-aigw-client-a1-000000000000000', principal('key_a1', 'tenant_a', 'client')],
} as const;
const ADMIN = KEYS.admin[0];
const FINANCE = KEYS.finance[0];
const CLIENT = KEYS.client[0];

/** Usage of two tenants over three days and two providers; the API answers are checked against sums of these. */
const events: UsageRecorded[] = [
  usageEvent({ ts: '2025-02-01T08:00:00Z', keyId: 'key_a1', promptTokens: 10, completionTokens: 1 }),
  usageEvent({ ts: '2025-02-01T08:59:59Z', keyId: 'key_a1', promptTokens: 20, cachedTokens: 5, reasoningTokens: 7 }),
  usageEvent({ ts: '2025-02-01T09:00:00Z', keyId: 'key_a1', provider: 'azure', promptTokens: 4 }),
  usageEvent({ ts: '2025-02-01T10:00:00Z', keyId: 'key_a2', status: 500, promptTokens: 3 }),
  usageEvent({ ts: '2025-02-02T00:00:00Z', keyId: 'key_a1', model: 'claude', servedModel: 'claude-sonnet', provider: 'anthropic', stream: true, completionTokens: 40, usageSource: 'gateway' }),
  usageEvent({ ts: '2025-02-02T12:00:00Z', tenantId: 'tenant_b', keyId: 'key_b1', promptTokens: 7, completionTokens: 7 }),
  usageEvent({ ts: '2025-02-03T23:59:59Z', tenantId: 'tenant_b', keyId: 'key_b1', model: 'claude', servedModel: 'claude-sonnet', provider: 'anthropic', promptTokens: 1, completionTokens: 2 }),
  usageEvent({ ts: '2025-02-04T00:00:00Z', keyId: 'key_a1', promptTokens: 1000 }),
];
const FEB_1_TO_3 = { from: '2025-02-01', to: '2025-02-03' };
const inRange = (e: UsageRecorded) => e.ts < '2025-02-04';

/**
 * A known mix, priced by hand (prices in test/support.ts, per million tokens):
 *   gpt-4o on 2025-02-28: 800,000 uncached × $2.50 + 200,000 cached × $1.25 + 50,000 out × $10 = $2.750000
 *   gpt-4o on 2025-03-01 (new price): 1,234 × $2.00 + 567 × $8.00                             = $0.007004
 *   claude-sonnet: 3 × $3.00 + 1 × $15.00                                                      = $0.000024
 *   claude-sonnet: 2 uncached × $3.00 + 5 cached × $0.30 = 7.5 micro-dollars, rounded half up  = $0.000008
 *   azure/gpt-4o (provider-qualified price): 100 × $2.75 + 10 × $11.00                         = $0.000385
 *   a model without a price, and a gateway cache hit                                           = $0
 *                                                                                        total = $2.757421
 */
const MIX: UsageRecorded[] = [
  usageEvent({ tenantId: 'costmix', ts: '2025-02-28T23:59:59Z', promptTokens: 1_000_000, cachedTokens: 200_000, completionTokens: 50_000 }),
  usageEvent({ tenantId: 'costmix', ts: '2025-03-01T00:00:00Z', promptTokens: 1_234, completionTokens: 567 }),
  usageEvent({ tenantId: 'costmix', ts: '2025-03-01T01:00:00Z', servedModel: 'claude-sonnet', provider: 'anthropic', promptTokens: 3, completionTokens: 1 }),
  usageEvent({ tenantId: 'costmix', ts: '2025-03-01T01:00:00Z', servedModel: 'claude-sonnet', provider: 'anthropic', promptTokens: 7, cachedTokens: 5, completionTokens: 0 }),
  usageEvent({ tenantId: 'costmix', ts: '2025-03-01T02:00:00Z', provider: 'azure', promptTokens: 100, completionTokens: 10 }),
  usageEvent({ tenantId: 'costmix', ts: '2025-03-01T02:00:00Z', servedModel: 'unpriced-model', promptTokens: 1_000, completionTokens: 1_000 }),
  usageEvent({ tenantId: 'costmix', ts: '2025-03-01T02:00:00Z', cacheHit: true, promptTokens: 1_000, completionTokens: 1_000 }),
];

let stack: TestStack;
let metering: MeteringService;

beforeAll(async () => {
  stack = await startStack();
  for (const [secret, p] of Object.values(KEYS)) stack.keys.set(secret, p);
  metering = await startMetering(stack);
  await Promise.all([...events, ...MIX].map((e) => publishUsage(stack, e)));
  await consumerSettled(stack);
});

afterAll(async () => {
  await metering?.close();
  await stack?.close();
});

const dims = (r: Row) => [r.start, r.tenant_id, r.key_id, r.model, r.provider];

describe('GET /v1/usage', () => {
  it('usage API – admin sees every row of the range by day and every dimension, sorted by time then dimensions', async () => {
    const { status, body } = await getUsage(metering, FEB_1_TO_3, bearer(ADMIN));
    expect(status).toBe(200);
    expect(body).toMatchObject({
      object: 'list',
      granularity: 'day',
      from: '2025-02-01T00:00:00Z',
      to: '2025-02-04T00:00:00Z',
      group_by: ['tenant', 'key', 'model', 'provider'],
      currency: 'USD',
      has_more: false,
      next_cursor: null,
    });
    expect(body.data.map(dims)).toEqual([
      ['2025-02-01T00:00:00Z', 'tenant_a', 'key_a1', 'gpt-4o', 'azure'],
      ['2025-02-01T00:00:00Z', 'tenant_a', 'key_a1', 'gpt-4o', 'openai'],
      ['2025-02-01T00:00:00Z', 'tenant_a', 'key_a2', 'gpt-4o', 'openai'],
      ['2025-02-02T00:00:00Z', 'tenant_a', 'key_a1', 'claude', 'anthropic'],
      ['2025-02-02T00:00:00Z', 'tenant_b', 'key_b1', 'gpt-4o', 'openai'],
      ['2025-02-03T00:00:00Z', 'tenant_b', 'key_b1', 'claude', 'anthropic'],
    ]);
    expect(sumRows([body.data[1]])).toEqual(expectedTotals(events.slice(0, 2)));
    expect(sumRows(body.data)).toEqual(expectedTotals(events.filter(inRange)));
  });

  it('usage API – groups by any subset of the dimensions, or none', async () => {
    const byTenant = await allRows(metering, { ...FEB_1_TO_3, group_by: 'tenant' }, bearer(ADMIN));
    expect(byTenant.map((r) => [r.start, r.tenant_id, r.requests, 'key_id' in r])).toEqual([
      ['2025-02-01T00:00:00Z', 'tenant_a', 4, false],
      ['2025-02-02T00:00:00Z', 'tenant_a', 1, false],
      ['2025-02-02T00:00:00Z', 'tenant_b', 1, false],
      ['2025-02-03T00:00:00Z', 'tenant_b', 1, false],
    ]);
    const byProvider = await allRows(metering, { ...FEB_1_TO_3, group_by: 'model,provider', tenant: 'tenant_a' }, bearer(ADMIN));
    expect(byProvider.map((r) => [r.start, r.model, r.provider, r.requests])).toEqual([
      ['2025-02-01T00:00:00Z', 'gpt-4o', 'azure', 1],
      ['2025-02-01T00:00:00Z', 'gpt-4o', 'openai', 3],
      ['2025-02-02T00:00:00Z', 'claude', 'anthropic', 1],
    ]);
    const total = await allRows(metering, { ...FEB_1_TO_3, group_by: 'none' }, bearer(ADMIN));
    expect(total.map((r) => r.start)).toEqual(['2025-02-01T00:00:00Z', '2025-02-02T00:00:00Z', '2025-02-03T00:00:00Z']);
    expect(sumRows(total)).toEqual(expectedTotals(events.filter(inRange)));
  });

  it('usage API – reads hours, which add up to their day', async () => {
    const hours = await allRows(
      metering,
      { granularity: 'hour', from: '2025-02-01T00:00:00Z', to: '2025-02-02T00:00:00Z', group_by: 'none' },
      bearer(ADMIN),
    );
    expect(hours.map((r) => [r.start, r.end, r.requests])).toEqual([
      ['2025-02-01T08:00:00Z', '2025-02-01T09:00:00Z', 2],
      ['2025-02-01T09:00:00Z', '2025-02-01T10:00:00Z', 1],
      ['2025-02-01T10:00:00Z', '2025-02-01T11:00:00Z', 1],
    ]);
    const day = await allRows(metering, { from: '2025-02-01', to: '2025-02-01', group_by: 'none' }, bearer(ADMIN));
    expect(sumRows(hours)).toEqual(sumRows(day));
  });

  it('usage API – filters by tenant, key, model and provider', async () => {
    const byModel = await allRows(metering, { ...FEB_1_TO_3, model: 'claude' }, bearer(ADMIN));
    expect(sumRows(byModel)).toEqual(expectedTotals(events.filter((e) => inRange(e) && e.model === 'claude')));
    const byKey = await allRows(metering, { ...FEB_1_TO_3, tenant: 'tenant_a', key: 'key_a2' }, bearer(ADMIN));
    expect(byKey.map(dims)).toEqual([['2025-02-01T00:00:00Z', 'tenant_a', 'key_a2', 'gpt-4o', 'openai']]);
    const byProvider = await allRows(metering, { ...FEB_1_TO_3, provider: 'azure', group_by: 'none' }, bearer(ADMIN));
    expect(sumRows(byProvider)).toEqual(expectedTotals(events.filter((e) => e.provider === 'azure')));
  });

  it('usage API – pages through rows with an opaque cursor, each row exactly once', async () => {
    const whole = await getUsage(metering, FEB_1_TO_3, bearer(ADMIN));
    const pages: Row[][] = [];
    let cursor: string | null = null;
    do {
      const { status, body } = await getUsage(metering, { ...FEB_1_TO_3, limit: '4', ...(cursor ? { cursor } : {}) }, bearer(ADMIN));
      expect(status).toBe(200);
      pages.push(body.data);
      expect(body.has_more).toBe(body.next_cursor !== null);
      cursor = body.next_cursor;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([4, 2]);
    expect(pages.flat()).toEqual(whole.body.data);
  });

  it('usage API – refuses a cursor with other parameters than the query it came from', async () => {
    const first = await getUsage(metering, { ...FEB_1_TO_3, limit: '1' }, bearer(ADMIN));
    const reused = await getUsage(metering, { ...FEB_1_TO_3, limit: '1', model: 'claude', cursor: first.body.next_cursor! }, bearer(ADMIN));
    expect(reused.status).toBe(400);
    expect(reused.body.error).toMatchObject({ code: 'invalid_request', param: 'cursor' });
  });

  it('usage API – reads today (UTC) when no dates are given', async () => {
    const now = usageEvent({ ts: new Date().toISOString(), tenantId: 'tenant_today' });
    await publishUsage(stack, now);
    await consumerSettled(stack);
    const { status, body } = await getUsage(metering, { tenant: 'tenant_today' }, bearer(ADMIN));
    expect(status).toBe(200);
    expect(body.data.map(dims)).toEqual([[`${now.ts.slice(0, 10)}T00:00:00Z`, 'tenant_today', now.keyId, now.model, now.provider]]);
    expect(sumRows(body.data)).toEqual(expectedTotals([now]));
  });

  it('usage API – finance sees only its own tenant and is refused another one', async () => {
    const own = await allRows(metering, FEB_1_TO_3, bearer(FINANCE));
    expect(sumRows(own)).toEqual(expectedTotals(events.filter((e) => inRange(e) && e.tenantId === 'tenant_a')));
    expect(new Set(own.map((r) => r.tenant_id))).toEqual(new Set(['tenant_a']));

    const other = await getUsage(metering, { ...FEB_1_TO_3, tenant: 'tenant_b' }, bearer(FINANCE));
    expect(other.status).toBe(403);
    expect(other.body.error).toMatchObject({ code: 'permission_denied' });
  });

  it('usage API – a client key sees only its own rows, also when sent as x-api-key', async () => {
    const own = await allRows(metering, FEB_1_TO_3, { 'x-api-key': CLIENT });
    expect(sumRows(own)).toEqual(expectedTotals(events.filter((e) => inRange(e) && e.keyId === 'key_a1')));
    expect(new Set(own.map((r) => r.key_id))).toEqual(new Set(['key_a1']));

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
    [{ granularity: 'minute' }, 'granularity'],
    [{ group_by: 'region' }, 'group_by'],
    [{ limit: '100000' }, 'limit'],
    [{ cursor: 'garbage' }, 'cursor'],
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
});

describe('cost', () => {
  it('cost – a known mix of models, prices, price periods and rounding matches the hand-computed $2.757421 to the micro-unit', async () => {
    const total = await allRows(metering, { from: '2025-02-01', to: '2025-03-31', tenant: 'costmix', group_by: 'none' }, bearer(ADMIN));
    expect(total.map((r) => [r.start, r.cost])).toEqual([
      ['2025-02-28T00:00:00Z', { amount: '2.750000', currency: 'USD' }],
      ['2025-03-01T00:00:00Z', { amount: '0.007421', currency: 'USD' }],
    ]);
    expect(sumRows(total)).toMatchObject({ requests: 7, unpriced_requests: 1, cache_hits: 1, cost_micros: 2_757_421 });
    const byProvider = await allRows(
      metering,
      { granularity: 'hour', from: '2025-03-01T01:00:00Z', to: '2025-03-01T03:00:00Z', tenant: 'costmix', group_by: 'provider' },
      bearer(ADMIN),
    );
    expect(byProvider.map((r) => [r.start, r.provider, r.cost.amount, r.unpriced_requests])).toEqual([
      ['2025-03-01T01:00:00Z', 'anthropic', '0.000032', 0],
      ['2025-03-01T02:00:00Z', 'azure', '0.000385', 0],
      ['2025-03-01T02:00:00Z', 'openai', '0.000000', 1],
    ]);
  });
});

describe('GET /v1/usage/export.csv', () => {
  const exportCsv = (query: Record<string, string>, headers: Record<string, string>) =>
    fetch(`http://127.0.0.1:${metering.port}/v1/usage/export.csv?${new URLSearchParams(query)}`, { headers });

  it('usage export – streams the same rows as the JSON API, as CSV with a header', async () => {
    const res = await exportCsv({ ...FEB_1_TO_3, group_by: 'tenant,provider' }, bearer(ADMIN));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="usage-day-.*\.csv"$/);
    const [header, ...lines] = (await res.text()).trimEnd().split('\r\n');
    const columns = header.split(',');
    expect(columns.slice(0, 4)).toEqual(['start', 'end', 'tenant_id', 'provider']);
    expect(columns.slice(-2)).toEqual(['cost', 'currency']);
    const json = await allRows(metering, { ...FEB_1_TO_3, group_by: 'tenant,provider' }, bearer(ADMIN));
    expect(lines).toHaveLength(json.length);
    lines.forEach((line, i) => {
      const cells = Object.fromEntries(line.split(',').map((v, j) => [columns[j], v]));
      expect(cells).toMatchObject({ start: json[i].start, tenant_id: json[i].tenant_id, provider: json[i].provider, requests: String(json[i].requests) });
      expect([cells.cost, cells.currency]).toEqual([json[i].cost.amount, 'USD']);
    });
  });

  it('usage export – is scoped like the JSON API, and refuses page parameters', async () => {
    const res = await exportCsv(FEB_1_TO_3, bearer(FINANCE));
    const lines = (await res.text()).trimEnd().split('\r\n').slice(1);
    expect(new Set(lines.map((l) => l.split(',')[2]))).toEqual(new Set(['tenant_a']));
    const paged = await exportCsv({ limit: '10' }, bearer(ADMIN));
    expect(paged.status).toBe(400);
    expect(((await paged.json()) as { error: { param: string } }).error.param).toBe('limit');
  });
});

describe('GET /v1/spend', () => {
  const now = new Date();
  const today = now.toISOString().slice(0, 10);
  const monthStart = `${today.slice(0, 7)}-01T00:00:00.000Z`;
  interface Period {
    cost: { amount: string; currency: string };
    requests: number;
    unpriced_requests: number;
    budget: { amount: string; currency: string } | null;
    remaining: { amount: string; currency: string } | null;
  }
  interface SpendBody {
    currency: string;
    day: string;
    month: string;
    data: { tenant_id: string; key_id?: string; budgets_resolved: boolean; today: Period; month_to_date: Period }[];
  }
  const spend: UsageRecorded[] = [
    usageEvent({ ts: now.toISOString(), tenantId: 'tenant_pro', keyId: 'key_p1', promptTokens: 1_000, completionTokens: 100 }),
    usageEvent({ ts: now.toISOString(), tenantId: 'tenant_pro', keyId: 'key_p2', servedModel: 'unpriced-model', promptTokens: 5 }),
    usageEvent({ ts: monthStart, tenantId: 'tenant_pro', keyId: 'key_p1', promptTokens: 400_000 }),
    usageEvent({ ts: now.toISOString(), tenantId: 'tenant_ghost', keyId: 'key_g1', promptTokens: 10 }),
  ];
  const usd = (micros: number) => ({ amount: (micros / 1_000_000).toFixed(6), currency: 'USD' });
  const FIN_PRO = 'sk-aigw-finance-pro-00000000000000';
  const CLIENT_PRO = 'sk-aigw-client-pro-000000000000000';

  beforeAll(async () => {
    stack.tenants.set('tenant_pro', { tenantId: 'tenant_pro', name: 'Pro', tier: 'pro', limits: { dailyBudgetMicros: 20_000_000 } });
    stack.keys.set(FIN_PRO, principal('key_fin_pro', 'tenant_pro', 'finance', { tier: 'pro' }));
    stack.keys.set(
      CLIENT_PRO,
      principal('key_p1', 'tenant_pro', 'client', { tier: 'pro', limits: { dailyBudgetMicros: 2_000_000 }, tenantLimits: { dailyBudgetMicros: 20_000_000 } }),
    );
    await Promise.all(spend.map((e) => publishUsage(stack, e)));
    await consumerSettled(stack);
  });

  const costOf = (events: UsageRecorded[]) => expectedTotals(events).cost_micros;
  const isToday = (e: UsageRecorded) => e.ts.startsWith(today);
  const pro = spend.filter((e) => e.tenantId === 'tenant_pro');

  it('spend – finance sees its tenant today and month to date, against the tenant budget over the tier preset', async () => {
    const { status, body } = await getJson<SpendBody>(metering, '/v1/spend', {}, bearer(FIN_PRO));
    expect(status).toBe(200);
    expect(body).toMatchObject({ currency: 'USD', day: today, month: today.slice(0, 7) });
    const todayCost = costOf(pro.filter(isToday));
    expect(body.data).toEqual([
      {
        tenant_id: 'tenant_pro',
        budgets_resolved: true,
        today: { cost: usd(todayCost), requests: pro.filter(isToday).length, unpriced_requests: 1, budget: usd(20_000_000), remaining: usd(20_000_000 - todayCost) },
        month_to_date: { cost: usd(costOf(pro)), requests: 3, unpriced_requests: 1, budget: usd(1_000_000_000), remaining: usd(1_000_000_000 - costOf(pro)) },
      },
    ]);
  });

  it('spend – admin lists every tenant with usage this month; a tenant auth does not know has budget null', async () => {
    const { body } = await getJson<SpendBody>(metering, '/v1/spend', {}, bearer(ADMIN));
    const byTenant = Object.fromEntries(body.data.map((d) => [d.tenant_id, d]));
    expect(Object.keys(byTenant)).toEqual(expect.arrayContaining(['tenant_pro', 'tenant_ghost']));
    expect(byTenant.tenant_ghost).toMatchObject({
      budgets_resolved: false,
      today: { cost: usd(costOf(spend.slice(3))), budget: null, remaining: null },
    });
    const one = await getJson<SpendBody>(metering, '/v1/spend', { tenant: 'tenant_pro' }, bearer(ADMIN));
    expect(one.body.data.map((d) => d.tenant_id)).toEqual(['tenant_pro']);
  });

  it('spend – a client key sees its own key against its effective budgets (key, else tenant, else tier)', async () => {
    const { body } = await getJson<SpendBody>(metering, '/v1/spend', {}, bearer(CLIENT_PRO));
    const mine = spend.filter((e) => e.keyId === 'key_p1');
    expect(body.data).toEqual([
      {
        tenant_id: 'tenant_pro',
        key_id: 'key_p1',
        budgets_resolved: true,
        today: expect.objectContaining({ cost: usd(costOf(mine.filter(isToday))), budget: usd(2_000_000) }),
        month_to_date: expect.objectContaining({ cost: usd(costOf(mine)), requests: mine.length, budget: usd(1_000_000_000) }),
      },
    ]);
  });

  it('spend – shows a tenant’s new budget as soon as auth announces the change', async () => {
    const budgetOf = async () => (await getJson<SpendBody>(metering, '/v1/spend', { tenant: 'tenant_pro' }, bearer(ADMIN))).body.data[0]!.today.budget;
    expect(await budgetOf()).toEqual(usd(20_000_000));
    stack.tenants.set('tenant_pro', { tenantId: 'tenant_pro', name: 'Pro', tier: 'pro', limits: { dailyBudgetMicros: 30_000_000 } });
    expect(await budgetOf()).toEqual(usd(20_000_000));
    await publishBroadcast(stack.nc, KeysChangedEvent, { reason: 'tenant-updated', keyIds: [], keyHashes: [], tenantId: 'tenant_pro', at: Date.now() });
    await eventually(async () => expect(await budgetOf()).toEqual(usd(30_000_000)), 5_000);
    stack.tenants.set('tenant_pro', { tenantId: 'tenant_pro', name: 'Pro', tier: 'pro', limits: { dailyBudgetMicros: 20_000_000 } });
    await publishBroadcast(stack.nc, KeysChangedEvent, { reason: 'tenant-updated', keyIds: [], keyHashes: [], tenantId: 'tenant_pro', at: Date.now() });
    await eventually(async () => expect(await budgetOf()).toEqual(usd(20_000_000)), 5_000);
  });

  it('spend – refuses another tenant to finance and unknown parameters, naming them', async () => {
    expect((await getJson(metering, '/v1/spend', { tenant: 'tenant_a' }, bearer(FIN_PRO))).status).toBe(403);
    const bad = await getJson(metering, '/v1/spend', { month: '2025-01' }, bearer(ADMIN));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ param: 'month' });
  });
});

describe('authentication – the same edge as the proxy’s', () => {
  const JWT_SECRET = 'a-metering-test-hs256-secret-0123456789abcdef';
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT({ tenant: 'tenant_a', sub: 'analyst-1', ...claims })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('corp')
      .setAudience('aigw')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JWT_SECRET));

  it('usage API – takes the key from x-api-key and x-goog-api-key too, and tells auth the address and key prefix to count failures against', async () => {
    expect((await getUsage(metering, FEB_1_TO_3, { 'x-goog-api-key': FINANCE })).status).toBe(200);
    expect((await getUsage(metering, FEB_1_TO_3, { 'x-api-key': FINANCE })).status).toBe(200);
    const bad = 'sk-aigw-bad-key-0000000000000000000zzzz';
    expect((await getUsage(metering, FEB_1_TO_3, bearer(bad))).status).toBe(401);
    expect(stack.verifyRequests.at(-1)).toMatchObject({ clientIp: '127.0.0.1', keyPrefix: 'sk-aigw...zzzz' });
  });

  it('usage API – refuses a key allowlisted to other addresses with 403, as the proxy does', async () => {
    const secret = 'sk-aigw-allowlisted-0000000000000000';
    stack.keys.set(secret, principal('key_lan', 'tenant_a', 'finance', { ipAllowlist: ['10.0.0.0/8'] }));
    const { status, body } = await getUsage(metering, FEB_1_TO_3, bearer(secret));
    expect(status).toBe(403);
    expect(body.error).toMatchObject({ code: 'permission_denied', message: expect.stringMatching(/127\.0\.0\.1/) });
  });

  it('usage API – accepts JWTs from the configured issuers, within the role the token maps to', async () => {
    stack.tenants.set('tenant_a', { tenantId: 'tenant_a', name: 'A', limits: {} });
    const withJwt = await startMetering(stack, {
      auth: {
        trustedProxies: [],
        jwtIssuers: AuthSection.parse({
          jwtIssuers: { corp: { issuer: 'corp', audience: 'aigw', algorithms: ['HS256'], secretEnv: 'METERING_JWT', claims: { role: 'groups' }, roles: { fin: 'finance' } } },
        }).jwtIssuers,
      },
      authSecrets: { METERING_JWT: JWT_SECRET },
    });
    try {
      const finance = await getUsage(withJwt, { ...FEB_1_TO_3, group_by: 'tenant' }, bearer(await sign({ groups: ['fin'] })));
      expect(finance.status).toBe(200);
      expect(finance.body.data.length).toBeGreaterThan(0);
      expect(new Set(finance.body.data.map((row) => row.tenant_id))).toEqual(new Set(['tenant_a']));
      const client = await getUsage(withJwt, { ...FEB_1_TO_3, tenant: 'tenant_b' }, bearer(await sign({})));
      expect(client.status).toBe(403);
      const forged = await getUsage(withJwt, FEB_1_TO_3, bearer(`${(await sign({})).slice(0, -4)}AAAA`));
      expect(forged.status).toBe(401);
    } finally {
      await withJwt.close();
    }
  });

  it('usage API – answers with nosniff, no framing, no active content and no caching', async () => {
    const res = await fetch(`http://127.0.0.1:${metering.port}/v1/usage?from=2025-02-01&to=2025-02-03`, { headers: bearer(FINANCE) });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
    const refused = await fetch(`http://127.0.0.1:${metering.port}/v1/usage`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('usage API – refuses a parameter with control characters with 400 naming it, and keeps serving', async () => {
    const res = await fetch(`http://127.0.0.1:${metering.port}/v1/spend?tenant=a%0D%0Ab`, { headers: bearer(ADMIN) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { param: 'tenant', code: 'invalid_request' } });
    expect((await getUsage(metering, FEB_1_TO_3, bearer(ADMIN))).status).toBe(200);
  });
});

describe('service', () => {
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
    expect(await metricValue(metering, 'metering_events_total', { result: 'counted' })).toBeGreaterThanOrEqual(events.length + MIX.length);
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
