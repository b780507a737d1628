import { Counter, Histogram, type Registry } from 'prom-client';

/** How a decision ended: `error` when none could be taken (Redis unavailable, a bug). */
export type DecisionResult = 'admitted' | 'refused' | 'error';

export interface QuotaMetrics {
  decisionSeconds: Histogram<'result'>;
  decisions: Counter<'result'>;
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
  };
}
