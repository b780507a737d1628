import type { Operation } from '@aigw/providers';
import type { RouteFeatures } from '@aigw/contracts';

/** What quota reserves for a request before it runs: its prompt tokens and the completion tokens it allows. */
export interface Reservation {
  promptTokens?: number;
  maxTokens?: number;
  /** Completions asked for (OpenAI's `n`); each may take `maxTokens`. */
  choices?: number;
}

/**
 * The reservation a request asks quota for. Prompt tokens are the estimate the proxy already makes for the
 * router (four characters a token), not a tokenizer count: gpt-tokenizer costs 30-190 µs per KB of prompt
 * on this hardware (o200k, warm to cold merge cache), a large share of the ~1 ms of CPU a request may take
 * in the gateway, and grows with the prompt. The difference is settled when the usage event arrives.
 * Embeddings produce no completion tokens; a chat request without `max_tokens` gets quota's default, for
 * each of its `n` completions.
 */
export function reservationOf(operation: Operation, features: RouteFeatures, body: Readonly<Record<string, unknown>>): Reservation {
  if (operation === 'embeddings') return { promptTokens: features.promptTokens, maxTokens: 0 };
  const reservation: Reservation = { promptTokens: features.promptTokens, maxTokens: features.maxTokens };
  // Checked by `requireOutputBounds` before.
  if (typeof body.n === 'number' && body.n > 1) reservation.choices = body.n;
  return reservation;
}
