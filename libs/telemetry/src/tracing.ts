import {
  context,
  isSpanContextValid,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
} from '@opentelemetry/api';

export { SpanKind, SpanStatusCode, type Attributes, type Context, type Span, type Tracer };

/**
 * Span helpers over the OpenTelemetry API only: without `startTracing` (from `@aigw/telemetry/sdk`) every
 * span is a no-op, so libraries and tests can make spans freely.
 */

/** The tracer of one part of the gateway (`aigw.proxy`, `aigw.bus`, ...), named as the spans' instrumentation scope. */
export function tracerFor(component: string): Tracer {
  return trace.getTracer(`aigw.${component}`);
}

/**
 * Runs `fn` in a new active span, child of `parent` (the active context by default). A throw marks the
 * span as failed with the error's class and message; the span ends when `fn` settles, either way.
 */
export async function withSpan<T>(
  tracer: Tracer,
  name: string,
  options: SpanOptions,
  fn: (span: Span) => Promise<T>,
  parent: Context = context.active(),
): Promise<T> {
  const span = tracer.startSpan(name, options, parent);
  try {
    return await context.with(trace.setSpan(parent, span), fn, undefined, span);
  } catch (err) {
    failSpan(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** Marks a span as failed; attributes say which error (class and code), never a stack. */
export function failSpan(span: Span, err: unknown, message?: string): void {
  if (!span.isRecording()) return;
  const name = err instanceof Error ? err.name : typeof err;
  const code = (err as { code?: unknown } | undefined)?.code;
  span.setAttribute('error.type', typeof code === 'string' ? code : name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: message ?? (err instanceof Error ? err.message : String(err)) });
}

/** The W3C trace id (32 hex digits) of the active span, if there is a valid one. */
export function activeTraceId(): string | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

/**
 * Binds `fn` to the active trace context. Event listeners run in the context of whoever emits the event
 * (for an HTTP response's 'close', the socket's), so work they start would otherwise leave the trace.
 */
export function bindToActiveContext<F extends (...args: never[]) => unknown>(fn: F): F {
  return context.bind(context.active(), fn);
}
