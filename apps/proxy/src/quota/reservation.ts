import type { Operation } from '@aigw/providers';
import type { RouteFeatures } from '@aigw/contracts';

/** What quota reserves for a request before it runs: its prompt tokens and the completion tokens it allows. */
export interface Reservation {
  promptTokens?: number;
  maxTokens?: number;
}

/**
 * The reservation a request asks quota for. Prompt tokens are the estimate the proxy already makes for the
 * router (four characters a token), not a tokenizer count: gpt-tokenizer costs 30-190 µs per KB of prompt
 * on this hardware (o200k, warm to cold merge cache), a large share of the ~1 ms of CPU a request may take
 * in the gateway, and grows with the prompt. The difference is settled when the usage event arrives.
 * Embeddings produce no completion tokens; a chat request without `max_tokens` gets quota's default.
 */
export function reservationOf(operation: Operation, features: RouteFeatures): Reservation {
  return { promptTokens: features.promptTokens, maxTokens: operation === 'embeddings' ? 0 : features.maxTokens };
}
