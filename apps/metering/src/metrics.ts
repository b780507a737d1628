import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What happened to one consumed usage event. */
export const EventResult = {
  /** Aggregated now. */
  Counted: 'counted',
  /** Already aggregated before (redelivery or republish); acknowledged without counting. */
  Duplicate: 'duplicate',
  /** Not a valid `UsageRecorded`; terminated, never redelivered. */
  Invalid: 'invalid',
  /** Redis failed; handed back to JetStream for a later delivery. */
  Retried: 'retried',
} as const;
export type EventResult = (typeof EventResult)[keyof typeof EventResult];

export interface MeteringMetrics {
  events: Counter<'result'>;
  aggregationSeconds: Histogram;
  pendingMessages: Gauge;
  httpRequests: Counter<'route' | 'status'>;
}

export function createMeteringMetrics(registry: Registry): MeteringMetrics {
  return {
    events: new Counter({
      name: 'metering_events_total',
      help: 'Usage events consumed, by result (counted, duplicate, invalid, retried).',
      labelNames: ['result'],
      registers: [registry],
    }),
    aggregationSeconds: new Histogram({
      name: 'metering_aggregation_seconds',
      help: 'Time to aggregate one usage event in Redis, number of seconds.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    pendingMessages: new Gauge({
      name: 'metering_consumer_pending_messages',
      help: 'Messages in the USAGE stream not yet delivered to the metering-ledger consumer, as of the last batch taken.',
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'metering_http_requests_total',
      help: 'Metering API requests, by route and status.',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
  };
}
