import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The proxy's own series; labels are bounded sets (route names, status codes, outcomes), never ids. */
export function createProxyMetrics(registry: Registry) {
  return {
    registry,
    requests: new Counter({
      name: 'aigw_proxy_requests_total',
      help: 'Requests answered, by route, HTTP status, and the alias and provider once a deployment was chosen.',
      labelNames: ['route', 'status', 'model', 'provider'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'aigw_proxy_request_duration_seconds',
      help: 'Request start to last byte, by route.',
      labelNames: ['route'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    phases: new Histogram({
      name: 'aigw_proxy_phase_duration_seconds',
      help: 'Time an inference request waited on each dependency: auth (key lookup), admission (quota and router), upstream (until its answer or first chunk). The rest of the request duration is the proxy itself.',
      labelNames: ['phase'] as const,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    upstreamAttempts: new Counter({
      name: 'aigw_proxy_upstream_attempts_total',
      help: 'Upstream attempts, by outcome and deployment.',
      labelNames: ['outcome', 'deployment'] as const,
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'aigw_proxy_requests_in_flight',
      help: 'Requests being served.',
      registers: [registry],
    }),
    staleAuth: new Counter({
      name: 'aigw_proxy_auth_stale_total',
      help: 'Key lookups auth could not answer (service_unavailable), answered with the key’s last verified principal (AUTH_CACHE_STALE_IF_ERROR_MS).',
      registers: [registry],
    }),
    usagePublished: new Counter({
      name: 'aigw_proxy_usage_events_total',
      help: 'Usage events published to JetStream, by result (ok, duplicate, spooled: on disk until JetStream is back, failed: lost).',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
  };
}
export type ProxyMetrics = ReturnType<typeof createProxyMetrics>;
