import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, jetstreamManager } from '@nats-io/jetstream';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { tracing as sdkTracing } from '@opentelemetry/sdk-node';
import { z } from 'zod';
import { ModelNotFoundError, Streams, Subjects } from '@aigw/contracts';
import { createLogger, createMetricsRegistry, tracerFor, withSpan } from '@aigw/telemetry';
import { startTracing } from '@aigw/telemetry/sdk';
import { metricValue, parseMetrics, startNatsServer, type TestServer } from '@aigw/testing';
import { BusClient, endpoint, ensureUsageStream, EventPublisher, inMessageSpan, jetstream, startService, type EndpointContract } from '../src';

const Route = {
  subject: 'router.v1.route',
  service: 'router',
  Request: z.object({ model: z.string() }),
  Response: z.object({ alias: z.string() }),
} satisfies EndpointContract;

const exporter = new sdkTracing.InMemorySpanExporter();
const tracing = startTracing('bus-test', { spanProcessors: [new sdkTracing.SimpleSpanProcessor(exporter)] });
const tracer = tracerFor('test');
const logger = createLogger('test', 'silent');
let nats: TestServer;
let nc: NatsConnection;
let client: BusClient;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
  client = new BusClient(nc, { timeoutMs: 300 });
  await startService(
    nc,
    'router',
    [
      endpoint(Route, async ({ model }) => {
        if (model === 'unknown') throw new ModelNotFoundError(model);
        return { alias: model };
      }),
    ],
    logger,
  );
});

afterAll(async () => {
  await nc.close();
  await nats.cleanup();
  await tracing.shutdown();
});

beforeEach(() => exporter.reset());

const spansNamed = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);

/** Waits until the span processor has `count` spans: a server span ends after its reply was sent. */
async function spans(count: number): Promise<sdkTracing.ReadableSpan[]> {
  for (let i = 0; i < 100 && exporter.getFinishedSpans().length < count; i += 1) await new Promise((r) => setTimeout(r, 10));
  return exporter.getFinishedSpans();
}

describe('bus – trace context across NATS', () => {
  it('makes a request a client span and its answer a server span, both in the caller’s trace', async () => {
    await withSpan(tracer, 'request', {}, () => client.request(Route, { model: 'gpt' }));
    await spans(3);
    const [outer] = spansNamed('request');
    const [clientSpan, serverSpan] = [SpanKind.CLIENT, SpanKind.SERVER].map((kind) => spansNamed('router.v1.route').find((s) => s.kind === kind)!);
    expect(clientSpan!.parentSpanContext?.spanId).toBe(outer!.spanContext().spanId);
    expect(serverSpan!.parentSpanContext?.spanId).toBe(clientSpan!.spanContext().spanId);
    expect(new Set([outer, clientSpan, serverSpan].map((s) => s!.spanContext().traceId)).size).toBe(1);
    expect(serverSpan!.attributes).toMatchObject({ 'rpc.service': 'router', 'rpc.method': 'route', 'messaging.system': 'nats' });
  });

  it('marks a refused request failed on the caller’s side only: the service answered as it should', async () => {
    await expect(withSpan(tracer, 'request', {}, () => client.request(Route, { model: 'unknown' }))).rejects.toMatchObject({ code: 'model_not_found' });
    await spans(3);
    const clientSpan = spansNamed('router.v1.route').find((s) => s.kind === SpanKind.CLIENT)!;
    const serverSpan = spansNamed('router.v1.route').find((s) => s.kind === SpanKind.SERVER)!;
    expect(clientSpan.status.code).toBe(SpanStatusCode.ERROR);
    expect(clientSpan.attributes['error.type']).toBe('model_not_found');
    expect(serverSpan.status.code).toBe(SpanStatusCode.UNSET);
    expect(serverSpan.attributes['error.type']).toBe('model_not_found');
  });

  it('carries the trace of a notice in its headers, and none outside a trace', async () => {
    const seen: Array<string | undefined> = [];
    const sub = nc.subscribe(Route.subject, {
      callback: (_err, msg) => {
        seen.push(msg.headers?.get('traceparent'));
      },
    });
    await nc.flush();
    client.notify(Route, { model: 'a' });
    const traceId = await withSpan(tracer, 'request', {}, async (span) => {
      client.notify(Route, { model: 'b' });
      return span.spanContext().traceId;
    });
    await nc.flush();
    for (let i = 0; i < 100 && seen.length < 2; i += 1) await new Promise((r) => setTimeout(r, 10));
    sub.unsubscribe();
    expect(seen[0]).toBeUndefined();
    expect(seen[1]).toMatch(new RegExp(`^00-${traceId}-[\\da-f]{16}-01$`));
  });

  it('joins the consumer of a JetStream event to the trace that published it', async () => {
    await ensureUsageStream(nc);
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.add(Streams.usage.name, { durable_name: 'trace-test', ack_policy: AckPolicy.Explicit });
    const js = jetstream(nc);
    await withSpan(tracer, 'request', {}, () => new EventPublisher(nc).publish(Subjects.usageRecorded, { id: 'req_trace' }, 'req_trace'));
    const consumer = await js.consumers.get(Streams.usage.name, 'trace-test');
    const msg = (await consumer.next({ expires: 2_000 }))!;
    await inMessageSpan(msg, 'trace-test', async () => msg.ack());
    const [publish] = spansNamed(`publish ${Subjects.usageRecorded}`);
    const [processed] = spansNamed(`process ${Subjects.usageRecorded}`);
    expect(publish!.kind).toBe(SpanKind.PRODUCER);
    expect(publish!.attributes['messaging.message.id']).toBe('req_trace');
    expect(processed!.kind).toBe(SpanKind.CONSUMER);
    expect(processed!.parentSpanContext?.spanId).toBe(publish!.spanContext().spanId);
    expect(processed!.spanContext().traceId).toBe(spansNamed('request')[0]!.spanContext().traceId);
  });
});

describe('bus – request latency per subject', () => {
  it('times every request by subject and result', async () => {
    const registry = createMetricsRegistry('proxy');
    const Silent = { ...Route, subject: 'quota.v1.admit', service: 'quota' } satisfies EndpointContract;
    await client.request(Route, { model: 'a' });
    await client.request(Route, { model: 'b' });
    await expect(client.request(Route, { model: 'unknown' })).rejects.toThrow();
    await expect(client.request(Silent, { model: 'a' })).rejects.toThrow(/not available/);
    const samples = parseMetrics(await registry.metrics());
    const count = (subject: string, result: string) => metricValue(samples, 'aigw_bus_request_duration_seconds_count', { subject, result, service: 'proxy' });
    // Earlier tests in this file made requests too: the counts are at least this run's.
    expect(count('router.v1.route', 'ok')).toBeGreaterThanOrEqual(2);
    expect(count('router.v1.route', 'error')).toBeGreaterThanOrEqual(1);
    expect(count('quota.v1.admit', 'unavailable')).toBe(1);
  });
});
