import type { UsageRecorded } from '@aigw/contracts';
import { costOf, priceAt, type PriceTable } from '@aigw/pricing';

/**
 * Counters kept per bucket and dimension tuple, as they appear in the API (`cost_micros` is shown as a
 * decimal `cost`). Integers only: Redis adds them with HINCRBY, so sums are exact.
 */
export const COUNTERS = [
  'requests',
  /** Requests answered with a 4xx/5xx status or that did not complete. */
  'errors',
  'streamed_requests',
  /** Requests the gateway answered from its own response cache (no upstream call, no cost). */
  'cache_hits',
  /** Requests whose tokens the gateway counted itself because the upstream reported none. */
  'gateway_counted_requests',
  /** Requests of a served model with no price in force at their time: counted with cost 0, never dropped. */
  'unpriced_requests',
  'prompt_tokens',
  /** Of the prompt tokens, those served from the provider's prompt cache. */
  'cached_tokens',
  'completion_tokens',
  /** Of the completion tokens, those spent on hidden reasoning. */
  'reasoning_tokens',
  'total_tokens',
  /** Cost in integer micro-units of the price table's currency. */
  'cost_micros',
] as const;
export type Counter = (typeof COUNTERS)[number];
export type Counters = Record<Counter, number>;

/** The counters of the per-tenant and per-key spend records behind `GET /v1/spend`. */
export const SPEND_COUNTERS = ['requests', 'unpriced_requests', 'cost_micros'] as const satisfies readonly Counter[];
export type SpendCounter = (typeof SPEND_COUNTERS)[number];

export function emptyCounters(): Counters {
  return Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Counters;
}

/** Adds `more` into `into`. */
export function addCounters(into: Counters, more: Counters): Counters {
  for (const c of COUNTERS) into[c] += more[c];
  return into;
}

/**
 * What one event adds to the aggregates. Its cost uses the price of the served model at its provider in
 * force at the event's time, so a later price change never rewrites it. A response from the gateway's own
 * cache cost nothing upstream and is charged nothing.
 */
export function countersOf(event: UsageRecorded, prices: PriceTable): Counters {
  const price = event.cacheHit ? undefined : priceAt(prices, event.provider, event.servedModel, new Date(event.ts));
  const unpriced = !event.cacheHit && price === undefined;
  return {
    requests: 1,
    errors: event.status >= 400 || event.incomplete ? 1 : 0,
    streamed_requests: event.stream ? 1 : 0,
    cache_hits: event.cacheHit ? 1 : 0,
    gateway_counted_requests: event.usageSource === 'gateway' ? 1 : 0,
    unpriced_requests: unpriced ? 1 : 0,
    prompt_tokens: event.promptTokens,
    cached_tokens: event.cachedTokens,
    completion_tokens: event.completionTokens,
    reasoning_tokens: event.reasoningTokens ?? 0,
    total_tokens: event.promptTokens + event.completionTokens,
    cost_micros: price ? costOf(event, price) : 0,
  };
}
