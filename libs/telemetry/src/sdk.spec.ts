import { context, propagation, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { startTracing } from './sdk';
import { activeTraceId, tracerFor, withSpan } from './tracing';

const CLIENT_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('tracing without an OTLP endpoint', () => {
  const savedEnv = { ...process.env };
  let tracing: ReturnType<typeof startTracing>;

  beforeAll(() => {
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    delete process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
    tracing = startTracing('test');
  });

  afterAll(async () => {
    await tracing.shutdown();
    process.env = savedEnv;
  });

  it('records nothing', async () => {
    expect(tracing.recording).toBe(false);
    await withSpan(tracerFor('test'), 'work', {}, async (span) => {
      expect(span.isRecording()).toBe(false);
    });
  });

  it('still gives every span a trace id, unsampled, for logs and the x-trace-id header', async () => {
    const ids = await Promise.all(
      [1, 2].map(() =>
        withSpan(tracerFor('test'), 'work', {}, async (span) => {
          expect(span.spanContext().traceFlags).toBe(TraceFlags.NONE);
          return activeTraceId();
        }),
      ),
    );
    expect(ids[0]).toMatch(/^[\da-f]{32}$/);
    expect(ids[1]).toMatch(/^[\da-f]{32}$/);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it("honours a client's traceparent and passes on the same trace", async () => {
    const incoming = propagation.extract(ROOT_CONTEXT, { traceparent: `00-${CLIENT_TRACE_ID}-00f067aa0ba902b7-01` });
    const outgoing: Record<string, string> = {};
    await withSpan(
      tracerFor('test'),
      'request',
      {},
      async () => {
        expect(activeTraceId()).toBe(CLIENT_TRACE_ID);
        propagation.inject(context.active(), outgoing);
      },
      incoming,
    );
    expect(outgoing.traceparent).toMatch(new RegExp(`^00-${CLIENT_TRACE_ID}-[\\da-f]{16}-00$`));
    expect(trace.getActiveSpan()).toBeUndefined();
  });

  it('does not carry client baggage into internal services', () => {
    const incoming = propagation.extract(ROOT_CONTEXT, { traceparent: `00-${CLIENT_TRACE_ID}-00f067aa0ba902b7-01`, baggage: 'tenant=someone-else' });
    const outgoing: Record<string, string> = {};
    propagation.inject(incoming, outgoing);
    expect(outgoing.baggage).toBeUndefined();
  });
});
