import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * How a decision ended: `unchecked` when Redis was unavailable and the failure policy admitted anyway,
 * `error` when none could be taken (Redis unavailable and a dimension fails closed, a bug).
 */
export type DecisionResult = 'admitted' | 'refused' | 'unchecked' | 'error';

export interface QuotaMetrics {
  decisionSeconds: Histogram<'result'>;
  decisions: Counter<'result'>;
  refusals: Counter<'limit'>;
  failOpen: Counter<'dimension'>;
  leaseNotices: Counter<'notice' | 'result'>;
  sweptReservations: Counter;
  usageEvents: Counter<'result'>;
}

export function createQuotaMetrics(registry: Registry): QuotaMetrics {
  return {
    decisionSeconds: new Histogram({
      name: 'quota_decision_duration_seconds',
      help: 'Time to take one admission decision, Redis round trip included.',
      labelNames: ['result'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    decisions: new Counter({
      name: 'quota_decisions_total',
      help: 'Admission decisions taken, by result.',
      labelNames: ['result'],
      registers: [registry],
    }),
    refusals: new Counter({
      name: 'quota_refusals_total',
      help: 'Refused requests, by the kind of limit hit (requests, tokens, concurrency, budget).',
      labelNames: ['limit'],
      registers: [registry],
    }),
    failOpen: new Counter({
      name: 'quota_fail_open_total',
      help: 'Requests admitted without counting while Redis was unavailable, by dimension they were limited in.',
      labelNames: ['dimension'],
      registers: [registry],
    }),
    leaseNotices: new Counter({
      name: 'quota_lease_notices_total',
      help: 'Renew and release notices handled, by result (done: a reservation was found; stale: none was; error).',
      labelNames: ['notice', 'result'],
      registers: [registry],
    }),
    sweptReservations: new Counter({
      name: 'quota_swept_reservations_total',
      help: 'Reservations refunded because their lease lapsed or their usage event never came.',
      registers: [registry],
    }),
    usageEvents: new Counter({
      name: 'quota_usage_events_total',
      help: 'Usage events consumed, by result (reconciled, charged without reservation, duplicate, invalid, retried).',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}
