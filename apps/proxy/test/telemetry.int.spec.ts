import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { tracing as sdkTracing } from '@opentelemetry/sdk-node';
import { startTracing } from '@aigw/telemetry/sdk';
import { metricValue, parseMetrics, type MetricSample } from '@aigw/testing';
import { keys, startHarness, type Harness } from './harness';

type ReadableSpan = sdkTracing.ReadableSpan;

const exporter = new sdkTracing.InMemorySpanExporter();
// As main.ts starts it: the trace context does not follow awaits, the proxy passes it on.
const tracing = startTracing('proxy', { spanProcessors: [new sdkTracing.SimpleSpanProcessor(exporter)], asyncContext: false });
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
  await tracing.shutdown();
});

const CLIENT_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CLIENT_SPAN_ID = 'b7ad6b7169203331';

async function chat(model: string, opts: { stream?: boolean; traceparent?: string } = {}): Promise<Response> {
  const res = await fetch(`${h.proxy.url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${keys.good}`,
      ...(opts.traceparent ? { traceparent: opts.traceparent } : {}),
    },
    body: JSON.stringify({ model, stream: opts.stream ?? false, messages: [{ role: 'user', content: 'Hi' }] }),
  });
  await res.text();
  return res;
}

/** The finished spans of one trace, once the usage publish (the last of them) has ended. */
async function traceOf(traceId: string): Promise<ReadableSpan[]> {
  const of = () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  for (let i = 0; i < 200 && !of().some((s) => s.name.startsWith('publish ')); i += 1) await new Promise((r) => setTimeout(r, 10));
  return of();
}

/** The request span of a trace, once it has ended (when the response closed). */
async function serverSpanOf(traceId: string): Promise<ReadableSpan> {
  const find = () => exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER && s.spanContext().traceId === traceId && s.name.startsWith('POST'));
  for (let i = 0; i < 200 && !find(); i += 1) await new Promise((r) => setTimeout(r, 10));
  return find()!;
}

function one(spans: ReadableSpan[], name: string, kind: SpanKind): ReadableSpan {
  const found = spans.filter((s) => s.name === name && s.kind === kind);
  expect(found).toHaveLength(1);
  return found[0]!;
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

describe('proxy – one trace per request', () => {
  it('continues the client’s trace through auth, quota, router, the upstream and the usage event', async () => {
    const res = await chat('gpt-test', { stream: true, traceparent: `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-01` });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-trace-id')).toBe(CLIENT_TRACE_ID);

    const spans = await traceOf(CLIENT_TRACE_ID);
    const server = one(spans, 'POST /v1/chat/completions', SpanKind.SERVER);
    expect(parentOf(server)).toBe(CLIENT_SPAN_ID);
    expect(server.attributes).toMatchObject({
      'http.response.status_code': 200,
      'http.route': '/v1/chat/completions',
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-test',
      'gen_ai.response.model': 'up-ok',
      'gen_ai.usage.input_tokens': 11,
      'gen_ai.usage.output_tokens': 3,
      'aigw.tenant.id': 'tenant-a',
      'aigw.deployment.id': 'dep-ok',
      'aigw.stream': true,
    });

    const auth = one(spans, 'auth', SpanKind.INTERNAL);
    expect(parentOf(auth)).toBe(idOf(server));
    const verifyKey = one(spans, 'auth.v1.verify-key', SpanKind.CLIENT);
    expect(parentOf(verifyKey)).toBe(idOf(auth));
    expect(parentOf(one(spans, 'auth.v1.verify-key', SpanKind.SERVER))).toBe(idOf(verifyKey));
    for (const subject of ['quota.v1.admit', 'router.v1.route']) {
      const asked = one(spans, subject, SpanKind.CLIENT);
      expect(parentOf(asked)).toBe(idOf(server));
      expect(parentOf(one(spans, subject, SpanKind.SERVER))).toBe(idOf(asked));
    }
    const attempt = one(spans, 'chat up-ok', SpanKind.CLIENT);
    expect(parentOf(attempt)).toBe(idOf(server));
    expect(attempt.attributes).toMatchObject({
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'up-ok',
      'aigw.attempt.outcome': 'ok',
      'http.response.status_code': 200,
      'server.address': '127.0.0.1',
    });
    // A stream's attempt lasts until the stream ended, not until its first chunk.
    expect(attempt.endTime[0] * 1e9 + attempt.endTime[1]).toBeGreaterThan(attempt.startTime[0] * 1e9 + attempt.startTime[1]);
    const publish = one(spans, 'publish usage.v1.recorded', SpanKind.PRODUCER);
    expect(parentOf(publish)).toBe(idOf(server));

    const requestId = res.headers.get('x-request-id')!;
    expect((await h.usageEvent(requestId)).traceId).toBe(CLIENT_TRACE_ID);
    const access = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'request' && l.reqId === requestId);
    expect(access).toMatchObject({ traceId: CLIENT_TRACE_ID, keyPrefix: 'sk-aigw...cdef', tenant: 'tenant-a', model: 'gpt-test', deployment: 'dep-ok', status: 200 });
    // Nothing of the conversation in any span.
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toMatch(/Hello|Hi"/);
  });

  it('starts a trace of its own for a client without traceparent, and names it in x-trace-id and the usage event', async () => {
    const res = await chat('gpt-test');
    const traceId = res.headers.get('x-trace-id')!;
    expect(traceId).toMatch(/^[\da-f]{32}$/);
    expect((await serverSpanOf(traceId)).parentSpanContext).toBeUndefined();
    expect((await h.usageEvent(res.headers.get('x-request-id')!)).traceId).toBe(traceId);
  });

  it('makes each upstream attempt a span: a failed one marked with its outcome, then the one that served', async () => {
    const res = await chat('gpt-failover');
    expect(res.status).toBe(200);
    const spans = await traceOf(res.headers.get('x-trace-id')!);
    const failed = one(spans, 'chat up-500', SpanKind.CLIENT);
    const served = one(spans, 'chat up-ok', SpanKind.CLIENT);
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.attributes).toMatchObject({ 'aigw.attempt.outcome': 'server_error', 'error.type': 'server_error', 'http.response.status_code': 500, 'aigw.attempt': 1 });
    expect(served.attributes).toMatchObject({ 'aigw.attempt.outcome': 'ok', 'aigw.attempt': 2 });
    expect(served.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('marks the request span failed on a 5xx, and not on a client error', async () => {
    const failed = await chat('gpt-all-fail');
    const unknown = await chat('no-such-model');
    expect([failed.status, unknown.status]).toEqual([500, 404]);
    const failedSpan = await serverSpanOf(failed.headers.get('x-trace-id')!);
    const unknownSpan = await serverSpanOf(unknown.headers.get('x-trace-id')!);
    expect(failedSpan.status.code).toBe(SpanStatusCode.ERROR);
    expect(failedSpan.attributes['error.type']).toBe('500');
    expect(unknownSpan.status.code).toBe(SpanStatusCode.UNSET);
    expect(unknownSpan.attributes['http.response.status_code']).toBe(404);
  });
});

describe('proxy – inference metrics', () => {
  const scrape = async () => parseMetrics(await (await fetch(`${h.proxy.url}/metrics`)).text());
  const delta = (before: MetricSample[], after: MetricSample[], name: string, labels: Record<string, string>) =>
    (metricValue(after, name, labels) ?? 0) - (metricValue(before, name, labels) ?? 0);

  it('counts requests by alias, provider and status, tokens by type, and stream timings, after known traffic', async () => {
    const before = await scrape();
    await chat('gpt-test');
    await chat('gpt-test', { stream: true });
    await chat('gpt-slow', { stream: true });
    await chat('no-such-model');
    const after = await scrape();
    const served = { model: 'gpt-test', provider: 'fake' };

    expect(delta(before, after, 'aigw_proxy_requests_total', { ...served, status: '200' })).toBe(2);
    expect(delta(before, after, 'aigw_proxy_requests_total', { model: 'gpt-slow', provider: 'fake', status: '200' })).toBe(1);
    expect(delta(before, after, 'aigw_proxy_requests_total', { route: 'chat.completions', status: '404' })).toBe(1);
    // Non-stream usage 12 + 5, stream usage 11 + 3 (the fake upstream's numbers).
    expect(delta(before, after, 'aigw_proxy_tokens_total', { ...served, type: 'input' })).toBe(23);
    expect(delta(before, after, 'aigw_proxy_tokens_total', { ...served, type: 'output' })).toBe(8);
    expect(delta(before, after, 'aigw_proxy_time_to_first_token_seconds_count', served)).toBe(1);
    expect(delta(before, after, 'aigw_proxy_time_to_first_token_seconds_count', { model: 'gpt-slow' })).toBe(1);
    // gpt-slow streams 100 chunks 10 ms apart: about a hundred gaps of about 10 ms.
    const gaps = delta(before, after, 'aigw_proxy_inter_chunk_seconds_count', { model: 'gpt-slow', provider: 'fake' });
    const gapSeconds = delta(before, after, 'aigw_proxy_inter_chunk_seconds_sum', { model: 'gpt-slow', provider: 'fake' });
    expect(gaps).toBeGreaterThanOrEqual(50);
    expect(gapSeconds / gaps).toBeGreaterThan(0.005);
    expect(gapSeconds / gaps).toBeLessThan(0.1);
    expect(delta(before, after, 'aigw_proxy_upstream_attempts_total', { outcome: 'ok', deployment: 'dep-ok' })).toBe(2);
    expect(delta(before, after, 'aigw_bus_request_duration_seconds_count', { subject: 'router.v1.route', result: 'ok' })).toBe(3);
    expect(delta(before, after, 'aigw_bus_request_duration_seconds_count', { subject: 'router.v1.route', result: 'error' })).toBe(1);
  });

  it('exports the response cache counters at 0: there is no response cache yet', async () => {
    const samples = await scrape();
    expect(metricValue(samples, 'aigw_proxy_response_cache_requests_total', { result: 'hit' })).toBe(0);
    expect(metricValue(samples, 'aigw_proxy_response_cache_requests_total', { result: 'miss' })).toBe(0);
  });
});
