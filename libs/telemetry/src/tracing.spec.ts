import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { tracing as sdkTracing } from '@opentelemetry/sdk-node';
import { SpanStatusCode } from '@opentelemetry/api';
import { createLogger } from './logger';
import { startTracing } from './sdk';
import { activeTraceId, bindToActiveContext, tracerFor, withSpan } from './tracing';

const exporter = new sdkTracing.InMemorySpanExporter();
const tracing = startTracing('test', { spanProcessors: [new sdkTracing.SimpleSpanProcessor(exporter)] });
const tracer = tracerFor('test');

afterAll(() => tracing.shutdown());
beforeEach(() => exporter.reset());

describe('tracing – spans', () => {
  it('withSpan nests spans in one trace and ends them', async () => {
    await withSpan(tracer, 'outer', {}, async () => {
      await withSpan(tracer, 'inner', { attributes: { 'gen_ai.request.model': 'gpt-4o-mini' } }, async () => undefined);
    });
    const [inner, outer] = exporter.getFinishedSpans();
    expect(inner!.name).toBe('inner');
    expect(inner!.parentSpanContext?.spanId).toBe(outer!.spanContext().spanId);
    expect(inner!.spanContext().traceId).toBe(outer!.spanContext().traceId);
    expect(inner!.attributes['gen_ai.request.model']).toBe('gpt-4o-mini');
    expect(inner!.instrumentationScope.name).toBe('aigw.test');
    expect(outer!.resource.attributes['service.name']).toBe('test');
  });

  it('withSpan marks a span failed with the error class or code, and rethrows', async () => {
    const err = Object.assign(new Error('upstream said no'), { code: 'upstream_error' });
    await expect(withSpan(tracer, 'failing', {}, async () => Promise.reject(err))).rejects.toBe(err);
    const [span] = exporter.getFinishedSpans();
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'upstream said no' });
    expect(span!.attributes['error.type']).toBe('upstream_error');
  });

  it('bindToActiveContext keeps work started from an event listener in the trace', async () => {
    const emitter = new EventEmitter();
    const seen = new Promise<string | undefined>((resolve) => {
      void withSpan(tracer, 'request', {}, async () => {
        emitter.once('close', bindToActiveContext(() => resolve(activeTraceId())));
      });
    });
    // Emitted from outside the span, as a socket emits 'close'.
    setImmediate(() => emitter.emit('close'));
    const traceId = await seen;
    expect(traceId).toBe(exporter.getFinishedSpans()[0]!.spanContext().traceId);
  });

  it('activeTraceId is undefined outside any span', () => {
    expect(activeTraceId()).toBeUndefined();
  });
});

describe('logger – trace correlation', () => {
  it('writes the active span’s trace and span ids on every line, and none outside spans', async () => {
    const chunks: string[] = [];
    const out = new Writable({
      write(chunk, _enc, cb) {
        chunks.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger('test', 'info', out);
    log.info('before');
    await withSpan(tracer, 'work', {}, async () => log.child({ reqId: 'req_1' }).info('inside'));
    const [before, inside] = chunks.map((line) => JSON.parse(line) as Record<string, unknown>);
    const span = exporter.getFinishedSpans()[0]!.spanContext();
    expect(before).not.toHaveProperty('traceId');
    expect(inside).toMatchObject({ reqId: 'req_1', traceId: span.traceId, spanId: span.spanId });
  });
});
