import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { metricValue, parseMetrics, type MetricSample } from '@aigw/testing';
import { startGateway, type GatewayUnderTest } from './gateway-stack';
import { OtlpReceiver } from './otlp-receiver';

/** Words of the prompt that must never reach a log line. */
const PROMPT = 'Describe the purple elephant of Zanzibar';
const SERVICES = ['proxy', 'auth', 'quota', 'router', 'metering'] as const;
const OTLP = { SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 };

let receiver: OtlpReceiver;
let gw: GatewayUnderTest;
let openai: OpenAI;

beforeAll(async () => {
  receiver = new OtlpReceiver();
  const endpoint = await receiver.start();
  gw = await startGateway({
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' },
  });
  openai = new OpenAI({ baseURL: gw.stack.urls.gateway, apiKey: gw.keys.client, maxRetries: 0 });
}, 120_000);

afterAll(async () => {
  await gw?.close();
  await receiver?.close();
});

async function eventually<T>(read: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

/** `/metrics` of a service, on the port that answers its /readyz (ops port, or its API port). */
async function scrape(service: (typeof SERVICES)[number]): Promise<MetricSample[]> {
  const port = gw.stack.services.get(service)!.port;
  return parseMetrics(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
}

async function streamedChat(headers: Record<string, string> = {}) {
  const { data: stream, response } = await openai.chat.completions
    .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: PROMPT }], stream: true, stream_options: { include_usage: true } }, { headers })
    .withResponse();
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const chunk of stream) usage = chunk.usage ?? usage;
  return { response, usage: usage! };
}

describe('observability – one trace across every hop', () => {
  it('joins proxy, auth, quota, router and metering spans of one request into the client’s trace', async () => {
    const clientTraceId = '5b8efff798038103d269b633813fc60c';
    const clientSpanId = 'eee19b7ec3c1b174';
    const { response } = await streamedChat({ traceparent: `00-${clientTraceId}-${clientSpanId}-01` });
    expect(response.headers.get('x-trace-id')).toBe(clientTraceId);

    const spans = await eventually(
      () => receiver.trace(clientTraceId),
      (found) => SERVICES.every((service) => found.some((s) => s.service === service)),
    );
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(SERVICES));

    // One tree: the proxy's request span hangs off the client's span, every other span off one in the trace.
    const ids = new Set(spans.map((s) => s.spanId));
    const roots = spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId));
    expect(roots.map((s) => [s.service, s.name, s.parentSpanId])).toEqual([['proxy', 'POST /v1/chat/completions', clientSpanId]]);

    const byService = (service: string, kind: number) => spans.filter((s) => s.service === service && s.kind === kind).map((s) => s.name);
    expect(byService('auth', OTLP.SERVER)).toEqual(['auth.v1.verify-key']);
    expect(byService('quota', OTLP.SERVER)).toContain('quota.v1.admit');
    expect(byService('router', OTLP.SERVER)).toEqual(['router.v1.route']);
    expect(byService('proxy', OTLP.CLIENT)).toEqual(expect.arrayContaining(['auth.v1.verify-key', 'quota.v1.admit', 'router.v1.route', 'chat mock-gpt-primary']));
    expect(byService('proxy', OTLP.PRODUCER)).toEqual(['publish usage.v1.recorded']);
    const [aggregation] = spans.filter((s) => s.service === 'metering' && s.kind === OTLP.CONSUMER);
    expect(aggregation!.name).toBe('process usage.v1.recorded');
    expect(aggregation!.attributes).toMatchObject({ 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.response.model': 'mock-gpt-primary', 'aigw.ledger.result': 'counted' });

    const request = spans.find((s) => s.service === 'proxy' && s.kind === OTLP.SERVER)!;
    expect(request.attributes).toMatchObject({ 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.response.model': 'mock-gpt-primary' });
    expect(request.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
  });
});

describe('observability – metrics after known traffic', () => {
  it('every service exposes its series, with the values the traffic implies', async () => {
    const before = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await scrape(s)] as const)));
    const usages: OpenAI.CompletionUsage[] = [];
    for (let i = 0; i < 3; i += 1) {
      usages.push((await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: PROMPT }] })).usage!);
    }
    for (let i = 0; i < 2; i += 1) usages.push((await streamedChat()).usage);
    const counted = (samples: MetricSample[]) => metricValue(samples, 'metering_events_total', { result: 'counted' }) ?? 0;
    const beforeCounted = counted(before.metering!);
    await eventually(() => scrape('metering'), (samples) => counted(samples) - beforeCounted >= 5);
    const after = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await scrape(s)] as const)));
    const delta = (service: (typeof SERVICES)[number], name: string, labels: Record<string, string> = {}) =>
      (metricValue(after[service]!, name, labels) ?? 0) - (metricValue(before[service]!, name, labels) ?? 0);
    const served = { model: 'gpt-4o-mini', provider: 'mock' };

    // proxy: requests, latency, tokens exactly as the client was told, stream timings, attempts, cache, spool, bus latency.
    expect(delta('proxy', 'aigw_proxy_requests_total', { ...served, status: '200' })).toBe(5);
    expect(delta('proxy', 'aigw_proxy_request_duration_seconds_count', { route: 'chat.completions' })).toBe(5);
    expect(delta('proxy', 'aigw_proxy_tokens_total', { ...served, type: 'input' })).toBe(usages.reduce((n, u) => n + u.prompt_tokens, 0));
    expect(delta('proxy', 'aigw_proxy_tokens_total', { ...served, type: 'output' })).toBe(usages.reduce((n, u) => n + u.completion_tokens, 0));
    expect(delta('proxy', 'aigw_proxy_time_to_first_token_seconds_count', served)).toBe(2);
    expect(delta('proxy', 'aigw_proxy_inter_chunk_seconds_count', served)).toBeGreaterThan(0);
    expect(delta('proxy', 'aigw_proxy_upstream_attempts_total', { outcome: 'ok', deployment: 'chat-primary' })).toBe(5);
    expect(metricValue(after.proxy!, 'aigw_proxy_response_cache_requests_total', { result: 'hit' })).toBe(0);
    expect(metricValue(after.proxy!, 'aigw_proxy_usage_spool_events')).toBe(0);
    expect(delta('proxy', 'aigw_bus_request_duration_seconds_count', { subject: 'quota.v1.admit', result: 'ok' })).toBe(5);
    expect(delta('proxy', 'aigw_bus_request_duration_seconds_count', { subject: 'router.v1.route', result: 'ok' })).toBe(5);
    // quota: decisions by result (names kept from the quota service).
    expect(delta('quota', 'quota_decisions_total', { result: 'admitted' })).toBe(5);
    expect(delta('quota', 'quota_decision_duration_seconds_count')).toBeGreaterThanOrEqual(5);
    // router: every configured deployment healthy, no open circuit.
    expect(metricValue(after.router!, 'aigw_router_deployments')).toBe(3);
    expect(metricValue(after.router!, 'aigw_router_healthy_deployments')).toBe(3);
    expect(metricValue(after.router!, 'aigw_router_open_circuits')).toBe(0);
    // metering: each event counted once; the consumer has caught up.
    expect(delta('metering', 'metering_events_total', { result: 'counted' })).toBe(5);
    expect(metricValue(after.metering!, 'metering_consumer_pending_messages')).toBe(0);
    // auth: verifications (the proxy caches keys, so only the first request of a key asks).
    expect(metricValue(after.auth!, 'aigw_auth_verifications_total', { result: 'ok' })).toBeGreaterThanOrEqual(1);
    // Bounded label sets: no key or tenant ids anywhere.
    for (const service of SERVICES) {
      const labels = after[service]!.flatMap((s) => Object.keys(s.labels));
      expect(labels).not.toEqual(expect.arrayContaining(['keyId', 'key_id', 'tenant', 'tenantId', 'user']));
      expect(after[service]!.every((s) => s.labels.service === service)).toBe(true);
    }
  });
});

describe('observability – logs', () => {
  it('writes one access line per request with its ids, tenant, key prefix, alias, deployment, status, tokens and durations, and no prompt or key', async () => {
    const { response } = await streamedChat();
    const requestId = response.headers.get('x-request-id')!;
    const logDir = join(gw.stack.dataDir, 'logs');
    const proxyLines = () => readFileSync(join(logDir, 'proxy.log'), 'utf8').split('\n').filter((l) => l.startsWith('{'));
    const lines = await eventually(proxyLines, (all) => all.some((l) => l.includes(requestId)));
    const access = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.reqId === requestId && l.msg === 'request');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({
      service: 'proxy',
      level: 'info',
      traceId: response.headers.get('x-trace-id'),
      tenant: 'acme',
      keyId: 'key_acme',
      keyPrefix: expect.stringMatching(/^sk-aigw/),
      model: 'gpt-4o-mini',
      deployment: 'chat-primary',
      status: 200,
      stream: true,
      promptTokens: expect.any(Number),
      completionTokens: expect.any(Number),
      durationMs: expect.any(Number),
      ttftMs: expect.any(Number),
      authMs: expect.any(Number),
      admissionMs: expect.any(Number),
      upstreamMs: expect.any(Number),
    });

    const everything = readdirSync(logDir)
      .filter((f) => f.endsWith('.log') && f !== 'mock-provider.log')
      .map((f) => readFileSync(join(logDir, f), 'utf8'))
      .join('\n');
    expect(everything).not.toContain('purple elephant');
    for (const key of Object.values(gw.keys)) expect(everything).not.toContain(key);
  });
});

describe('observability – exporting traces', () => {
  it('costs no error, and nothing on stderr, in any service', () => {
    // Warnings are config notices (e.g. unpriced deployments); errors and stderr would be export failures.
    expect(gw.problems.filter((line) => !line.startsWith('[mock-provider]') && !/^\[\w+\] warn: /.test(line))).toEqual([]);
  });
});
