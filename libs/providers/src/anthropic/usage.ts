import { hasObjectValue, jsonKey, lastObjectValue } from '../json/scan';
import { eventData } from '../stream/sse-event';
import type { ChatUsage } from '../openai/chat.wire';
import type { EventUsage, TokenUsage } from '../types';
import type { MessagesUsage } from './messages.wire';

const USAGE = jsonKey('usage');

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/**
 * Anthropic's usage fields merged over the ones seen before: a stream reports input at `message_start`
 * and cumulative totals at `message_delta`, and a field an event leaves out keeps its earlier value.
 * https://docs.anthropic.com/en/api/messages-streaming#event-types
 */
export function mergeUsage(previous: MessagesUsage | undefined, next: unknown): MessagesUsage {
  const u = (typeof next === 'object' && next !== null ? next : {}) as Record<string, unknown>;
  return {
    input_tokens: count(u.input_tokens) ?? previous?.input_tokens ?? 0,
    output_tokens: count(u.output_tokens) ?? previous?.output_tokens ?? 0,
    cache_creation_input_tokens: count(u.cache_creation_input_tokens) ?? previous?.cache_creation_input_tokens ?? 0,
    cache_read_input_tokens: count(u.cache_read_input_tokens) ?? previous?.cache_read_input_tokens ?? 0,
  };
}

/**
 * In the gateway's terms: Anthropic's `input_tokens` leaves out the tokens read from and written to the
 * prompt cache, so prompt tokens are the three added up, and the cache reads are the cached ones.
 * https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#tracking-cache-performance
 */
export function tokenUsageOfMessages(u: MessagesUsage): TokenUsage {
  const read = u.cache_read_input_tokens ?? 0;
  return {
    promptTokens: u.input_tokens + (u.cache_creation_input_tokens ?? 0) + read,
    completionTokens: u.output_tokens,
    cachedTokens: read,
  };
}

/** The same counts as OpenAI's usage object. */
export function chatUsageOfMessages(u: MessagesUsage): ChatUsage {
  const { promptTokens, completionTokens, cachedTokens } = tokenUsageOfMessages(u);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: cachedTokens },
  };
}

/** OpenAI-style counts as Anthropic's: the cached part moves out of `input_tokens` into the cache reads. */
export function messagesUsageOfTokens(u: TokenUsage): MessagesUsage {
  return {
    input_tokens: Math.max(0, u.promptTokens - u.cachedTokens),
    output_tokens: u.completionTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: u.cachedTokens,
  };
}

/** Usage of a complete `message` body: its top-level `usage`, the last key of that name. */
export function readUsage(body: Buffer): TokenUsage | undefined {
  const usage = lastObjectValue(body, USAGE);
  return usage === undefined ? undefined : tokenUsageOfMessages(mergeUsage(undefined, usage));
}

/**
 * Usage of `message_start` (input, in `message.usage`) or `message_delta` (cumulative output, in `usage`),
 * merged into `previous`. Events without a usage object are not parsed.
 */
export function readEventUsage(event: Buffer, previous?: TokenUsage): EventUsage | undefined {
  if (!hasObjectValue(event, USAGE)) return undefined;
  let data: { type?: unknown; message?: { usage?: unknown }; usage?: unknown };
  try {
    data = JSON.parse(eventData(event)) as typeof data;
  } catch {
    return undefined;
  }
  const usage = data?.type === 'message_start' ? data.message?.usage : data?.type === 'message_delta' ? data.usage : undefined;
  if (typeof usage !== 'object' || usage === null) return undefined;
  const before: MessagesUsage | undefined = previous && messagesUsageOfTokens(previous);
  return { usage: tokenUsageOfMessages(mergeUsage(before, usage)), usageOnly: false };
}
