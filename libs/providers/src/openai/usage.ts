import { hasObjectValue, jsonKey, lastObjectValue } from '../json/scan';
import { eventData } from '../stream/sse-event';
import type { EventUsage, TokenUsage } from '../types';

const USAGE = jsonKey('usage');

/**
 * OpenAI's usage object, as far as the gateway bills it.
 * Chat: https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage
 * Embeddings: https://platform.openai.com/docs/api-reference/embeddings/object (no completion tokens)
 */
interface OpenAIUsage {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  prompt_tokens_details?: { cached_tokens?: unknown } | null;
  completion_tokens_details?: { reasoning_tokens?: unknown } | null;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}

/** OpenAI's usage object in the gateway's terms; undefined when `value` is not an object. */
export function tokenUsageOf(value: unknown): TokenUsage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const usage = value as OpenAIUsage;
  const tokens: TokenUsage = {
    promptTokens: count(usage.prompt_tokens),
    completionTokens: count(usage.completion_tokens),
    cachedTokens: count(usage.prompt_tokens_details?.cached_tokens),
  };
  // Set only when there are some, so usage without reasoning reads the same from every provider.
  const reasoning = count(usage.completion_tokens_details?.reasoning_tokens);
  if (reasoning > 0) tokens.reasoningTokens = reasoning;
  return tokens;
}

/**
 * Usage of a complete chat completion or embeddings list. `usage` is a top-level field and the last one
 * with that name, so only the object after the last `"usage"` key is parsed: an embeddings body can be
 * megabytes of floats that the gateway has no reason to parse.
 */
export function readUsage(body: Buffer): TokenUsage | undefined {
  return tokenUsageOf(lastObjectValue(body, USAGE));
}

/**
 * Usage of one chunk event. With `include_usage`, every chunk carries `"usage":null` and the final one the
 * totals with `choices: []`; some compatible servers put the totals on the last chunk with choices instead,
 * or send `choices: null`. Only an event with a usage object is parsed.
 * https://platform.openai.com/docs/api-reference/chat/streaming
 */
export function readEventUsage(event: Buffer): EventUsage | undefined {
  if (!hasObjectValue(event, USAGE)) return undefined;
  let chunk: { usage?: unknown; choices?: unknown };
  try {
    chunk = JSON.parse(eventData(event)) as typeof chunk;
  } catch {
    return undefined;
  }
  const usage = tokenUsageOf(chunk?.usage);
  if (!usage) return undefined;
  const usageOnly = !Array.isArray(chunk.choices) || chunk.choices.length === 0;
  return { usage, usageOnly };
}
