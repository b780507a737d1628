import { core, NodeSDK, tracing } from '@opentelemetry/sdk-node';
import { beforeExit } from './shutdown';
import { SyncContextManager } from './sync-context';

/**
 * The OpenTelemetry SDK bootstrap, imported by a service's main.ts only (`@aigw/telemetry/sdk`): the SDK
 * takes a few hundred milliseconds to load, which libraries and tests that merely make spans skip.
 */

export interface TracingOptions {
  /** Where spans go instead of OTLP, e.g. an in-memory exporter's processor in a test. */
  spanProcessors?: tracing.SpanProcessor[];
  /**
   * `false`: the trace context follows `context.with()` only while its callback runs, not across awaits
   * (`SyncContextManager`), for a service that passes it on itself where it matters. Default `true`.
   */
  asyncContext?: boolean;
}

export interface Tracing {
  /** Spans are recorded and exported; otherwise only trace ids are made and passed on. */
  recording: boolean;
  /** Exports the spans still buffered and stops; `onShutdown` does it before the process exits. */
  shutdown(): Promise<void>;
}

/**
 * Starts tracing for a service; call it first in main.ts. With `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set, spans are batched and exported over OTLP as the standard
 * `OTEL_*` variables configure it (protocol, headers, sampler, batch delays). Without it nothing is
 * recorded, but every request still gets a trace id, honours an incoming `traceparent` and passes one on,
 * so that logs, the `x-trace-id` header and usage events correlate at a cost of a few microseconds.
 */
export function startTracing(service: string, opts: TracingOptions = {}): Tracing {
  const exporting = Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const recording = opts.spanProcessors !== undefined || exporting;
  const sdk = new NodeSDK({
    serviceName: service,
    ...(opts.asyncContext === false ? { contextManager: new SyncContextManager() } : {}),
    // A client's trace context is honoured; its baggage is not carried into the internal services.
    textMapPropagator: new core.W3CTraceContextPropagator(),
    // Traces only: logs go to stdout through pino, metrics to Prometheus through prom-client.
    logRecordProcessors: [],
    ...(opts.spanProcessors
      ? { spanProcessors: opts.spanProcessors }
      : recording
        ? {}
        : // The provider must exist to make trace ids; the sampler records nothing, so no processor ever runs.
          { spanProcessors: [new tracing.NoopSpanProcessor()], sampler: new tracing.AlwaysOffSampler() }),
  });
  sdk.start();
  let stopped: Promise<void> | undefined;
  const shutdown = () => (stopped ??= sdk.shutdown());
  beforeExit(shutdown);
  return { recording, shutdown };
}
