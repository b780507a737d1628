import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Service } from '@nats-io/services';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import {
  Consumers,
  ErrorCode,
  GatewayError,
  GetTenant,
  hashKey,
  InvalidApiKeyError,
  Streams,
  Subjects,
  RecordAuthFailure,
  VerifyKey,
  type VerifyKeyRequest,
  type Principal,
  type Tenant,
  type UsageRecorded,
} from '@aigw/contracts';
import { connectBus, endpoint, EventPublisher, startService } from '@aigw/bus';
import { QuotaSection, type QuotaConfig } from '@aigw/config';
import { costOf, parseMicros, priceAt, PriceSection, type PriceTable } from '@aigw/pricing';
import { createLogger } from '@aigw/telemetry';
import { startNatsServer, startRedisServer, type TestServer } from '@aigw/testing';
import { startMeteringService, type MeteringConfig, type MeteringService } from '../src/metering-service';

export const silent = createLogger('metering-test', 'silent');

/** Prices of the test events: `gpt-4o` changes price on 2025-03-01; `unpriced-model` has none. */
export const PRICES_YAML = {
  currency: 'USD',
  models: {
    'gpt-4o-2024-08-06': [
      { from: '2024-01-01', input: '2.50', output: '10.00', cachedInput: '1.25' },
      { from: '2025-03-01', input: '2.00', output: '8.00', cachedInput: '1.00' },
    ],
    'claude-sonnet': [{ from: '2024-01-01', input: '3.00', output: '15.00', cachedInput: '0.30' }],
    'azure/gpt-4o-2024-08-06': [{ from: '2024-01-01', input: '2.75', output: '11.00' }],
  },
};
export const PRICES: PriceTable = PriceSection.parse(PRICES_YAML);

/** Quota config with tiers, for budget resolution. */
export const QUOTA: QuotaConfig = QuotaSection.parse({
  defaults: { rpm: 600, dailyBudgetMicros: 1_000_000 },
  tiers: { pro: { dailyBudgetMicros: 50_000_000, monthlyBudgetMicros: 1_000_000_000 } },
});

/** Real nats-server and redis-server for one test file, a client connection, and an in-test auth service. */
export interface TestStack {
  nats: TestServer;
  redis: TestServer;
  nc: NatsConnection;
  js: JetStreamClient;
  /** Publishes usage events as the proxy does. */
  events: EventPublisher;
  /** Keys the in-test auth service knows, by plain secret. */
  keys: Map<string, Principal>;
  /** Tenants the in-test auth service knows (GetTenant), by id. */
  tenants: Map<string, Tenant>;
  /** How many VerifyKey requests auth has answered. */
  authCalls(): number;
  /** Every VerifyKey request auth got, in order. */
  verifyRequests: VerifyKeyRequest[];
  auth: Service;
  close(): Promise<void>;
}

export async function startStack(): Promise<TestStack> {
  const [nats, redis] = await Promise.all([startNatsServer(), startRedisServer()]);
  const nc = await connectBus({ servers: nats.url, name: 'metering-test', logger: silent });
  const keys = new Map<string, Principal>();
  const tenants = new Map<string, Tenant>();
  let calls = 0;
  const verifyRequests: VerifyKeyRequest[] = [];
  const auth = await startService(
    nc,
    'auth',
    [
      endpoint(VerifyKey, async (request) => {
        const { keyHash } = request;
        calls++;
        verifyRequests.push(request);
        for (const [secret, principal] of keys) if (hashKey(secret) === keyHash) return { principal };
        throw new InvalidApiKeyError();
      }),
      endpoint(RecordAuthFailure, async () => ({ blocked: false })),
      endpoint(GetTenant, async ({ tenantId }) => {
        const tenant = tenants.get(tenantId);
        if (!tenant) throw new GatewayError(ErrorCode.NotFound, `No tenant '${tenantId}'.`);
        return { tenant };
      }),
    ],
    silent,
  );
  return {
    nats,
    redis,
    nc,
    js: jetstream(nc),
    events: new EventPublisher(nc),
    keys,
    tenants,
    authCalls: () => calls,
    verifyRequests,
    auth,
    async close() {
      if (!auth.isStopped) await auth.stop();
      await nc.drain();
      await Promise.all([nats.cleanup(), redis.cleanup()]);
    },
  };
}

export function meteringConfig(stack: TestStack, over: Partial<MeteringConfig> = {}): MeteringConfig {
  return {
    nats: { servers: stack.nats.url, timeoutMs: 500 },
    redis: { url: stack.redis.url, commandTimeoutMs: 1_000 },
    http: { port: 0, host: '127.0.0.1' },
    authCacheMs: 5_000,
    dedupeTtlS: 24 * 60 * 60,
    prices: PRICES,
    quota: QUOTA,
    stream: { replicas: 1, maxAgeMs: 30 * 24 * 60 * 60 * 1000 },
    consumer: { ackWaitMs: 5_000, maxAckPending: 1_000, retryDelayMs: 200, batchWindowMs: 20 },
    logger: silent,
    ...over,
  };
}

export function startMetering(stack: TestStack, over: Partial<MeteringConfig> = {}): Promise<MeteringService> {
  return startMeteringService(meteringConfig(stack, over));
}

export function usageEvent(over: Partial<UsageRecorded> = {}): UsageRecorded {
  return {
    v: 1,
    id: `req_${randomUUID()}`,
    ts: '2025-01-10T12:00:00.000Z',
    tenantId: 'tenant_a',
    keyId: 'key_a',
    model: 'gpt-4o',
    servedModel: 'gpt-4o-2024-08-06',
    provider: 'openai',
    deploymentId: 'openai-gpt-4o',
    operation: 'chat.completions',
    stream: false,
    status: 200,
    incomplete: false,
    promptTokens: 10,
    completionTokens: 20,
    cachedTokens: 0,
    reasoningTokens: 0,
    usageSource: 'upstream',
    cacheHit: false,
    latencyMs: 120,
    ttftMs: 40,
    ...over,
  };
}

/** Publishes like the proxy does: `Nats-Msg-Id` = event id unless a different one is given. */
export async function publishUsage(stack: TestStack, event: unknown, msgID?: string): Promise<{ duplicate: boolean }> {
  return stack.events.publish(Subjects.usageRecorded, event, msgID ?? (event as UsageRecorded).id);
}

/** Resolves once every message in the stream was delivered to the ledger consumer and settled. */
export async function consumerSettled(stack: TestStack, timeoutMs?: number): Promise<void> {
  const jsm = await jetstreamManager(stack.nc);
  await eventually(async () => {
    const info = await jsm.consumers.info(Streams.usage.name, Consumers.meteringLedger);
    expect({ pending: info.num_pending, ackPending: info.num_ack_pending }).toEqual({ pending: 0, ackPending: 0 });
  }, timeoutMs);
}

/** Retries `check` until it stops throwing, or rethrows its last failure after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export type Row = Record<string, unknown> & { cost: { amount: string; currency: string } };
export interface ApiError {
  error?: { message: string; type: string; param: string | null; code: string };
}
export interface UsagePage extends ApiError {
  object: string;
  granularity: string;
  from: string;
  to: string;
  group_by: string[];
  currency: string;
  data: Row[];
  has_more: boolean;
  next_cursor: string | null;
}

export async function getJson<T>(
  service: MeteringService | { port: number },
  path: string,
  query: Record<string, string>,
  headers: Record<string, string>,
): Promise<{ status: number; body: T & ApiError }> {
  const qs = new URLSearchParams(query).toString();
  const res = await fetch(`http://127.0.0.1:${service.port}${path}${qs ? `?${qs}` : ''}`, { headers });
  return { status: res.status, body: (await res.json()) as T & ApiError };
}

export function getUsage(service: MeteringService | { port: number }, query: Record<string, string>, headers: Record<string, string>) {
  return getJson<UsagePage>(service, '/v1/usage', query, headers);
}

/** Every row of a query, following `next_cursor` page by page. */
export async function allRows(
  service: MeteringService | { port: number },
  query: Record<string, string>,
  headers: Record<string, string>,
): Promise<Row[]> {
  const rows: Row[] = [];
  let cursor: string | null = null;
  do {
    const { status, body }: { status: number; body: UsagePage } = await getUsage(service, cursor ? { ...query, cursor } : query, headers);
    expect({ status, error: body.error }).toEqual({ status: 200, error: undefined });
    rows.push(...body.data);
    cursor = body.next_cursor;
  } while (cursor);
  return rows;
}

export const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

/** The value of the series `name` whose labels include `labels`, in the Prometheus text exposition; 0 when absent. */
export async function metricValue(service: MeteringService, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text
    .split('\n')
    .find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && wanted.every((w) => l.includes(w)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** The integer counters of API rows, summed. */
export function sumRows(rows: Row[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const row of rows) {
    for (const [k, v] of Object.entries(row)) if (typeof v === 'number') totals[k] = (totals[k] ?? 0) + v;
  }
  totals.cost_micros = rows.reduce((n, r) => n + parseMicros(r.cost.amount)!, 0);
  return totals;
}

/** What the API should report for `events`, summed independently of the ledger's own code. */
export function expectedTotals(events: UsageRecorded[], prices: PriceTable = PRICES): Record<string, number> {
  const sum = (f: (e: UsageRecorded) => number) => events.reduce((n, e) => n + f(e), 0);
  const priceOf = (e: UsageRecorded) => priceAt(prices, e.provider, e.servedModel, new Date(e.ts));
  return {
    requests: events.length,
    errors: sum((e) => (e.status >= 400 || e.incomplete ? 1 : 0)),
    streamed_requests: sum((e) => (e.stream ? 1 : 0)),
    cache_hits: sum((e) => (e.cacheHit ? 1 : 0)),
    gateway_counted_requests: sum((e) => (e.usageSource === 'gateway' ? 1 : 0)),
    unpriced_requests: sum((e) => (!e.cacheHit && !priceOf(e) ? 1 : 0)),
    prompt_tokens: sum((e) => e.promptTokens),
    cached_tokens: sum((e) => e.cachedTokens),
    completion_tokens: sum((e) => e.completionTokens),
    reasoning_tokens: sum((e) => e.reasoningTokens ?? 0),
    total_tokens: sum((e) => e.promptTokens + e.completionTokens),
    cost_micros: sum((e) => {
      const price = e.cacheHit ? undefined : priceOf(e);
      return price ? costOf(e, price) : 0;
    }),
  };
}
