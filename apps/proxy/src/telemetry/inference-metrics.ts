import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * What inference traffic carries, beside the request counts in `metrics.ts`: tokens, stream timings and
 * the response cache. Labels are the alias asked for and the provider that served it (both from the
 * config, so bounded), never key or tenant ids.
 */
export function createInferenceMetrics(registry: Registry) {
  const registers = [registry];
  const responseCache = new Counter({
    name: 'aigw_proxy_response_cache_requests_total',
    help: 'Response cache lookups, by result (hit or miss). The gateway has no response cache yet: both stay at 0, so the hit rate is undefined rather than 0.',
    labelNames: ['result'] as const,
    registers,
  });
  // Exported at 0 from the start, so that dashboards and alerts find the series.
  responseCache.inc({ result: 'hit' }, 0);
  responseCache.inc({ result: 'miss' }, 0);
  return {
    tokens: new Counter({
      name: 'aigw_proxy_tokens_total',
      help: 'Tokens of answered requests as the upstream reported them, by alias, provider and type (input, output).',
      labelNames: ['model', 'provider', 'type'] as const,
      registers,
    }),
    timeToFirstToken: new Histogram({
      name: 'aigw_proxy_time_to_first_token_seconds',
      help: 'Streamed requests: arrival to the first event written to the client, by alias and provider.',
      labelNames: ['model', 'provider'] as const,
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    }),
    interChunk: new Histogram({
      name: 'aigw_proxy_inter_chunk_seconds',
      help: 'Streamed requests: time between two consecutive writes of events to the client, by alias and provider.',
      labelNames: ['model', 'provider'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    responseCache,
  };
}
export type InferenceMetrics = ReturnType<typeof createInferenceMetrics>;
