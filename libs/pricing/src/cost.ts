import type { Micros } from './money';
import type { ModelPrice } from './price-table';

export interface TokenCounts {
  /** All prompt tokens, cached ones included. */
  promptTokens: number;
  /** Of the prompt tokens, those served from the provider's cache. */
  cachedTokens: number;
  completionTokens: number;
}

/**
 * Cost of one request in micro-units: Σ tokens × price-per-million / 1e6, rounded half up once per request.
 * The sum stays an exact integer below 2^53 for any real request (10^7 tokens at $1,000 per 1M).
 */
export function costOf(tokens: TokenCounts, price: ModelPrice): Micros {
  const uncached = Math.max(0, tokens.promptTokens - tokens.cachedTokens);
  const scaled = uncached * price.input + tokens.cachedTokens * price.cachedInput + tokens.completionTokens * price.output;
  return Math.floor((scaled + 500_000) / 1_000_000);
}
