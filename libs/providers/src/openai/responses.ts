import { hasObjectValue, jsonKey, lastObjectValue } from '../json/scan';
import { eventData } from '../stream/sse-event';
import type { ClientBody, EventUsage, TokenUsage } from '../types';

/**
 * OpenAI's Responses API, passed through to OpenAI-format upstreams: the body is only aimed at the
 * deployment's model, and usage is read from the response object (`usage`), or in a stream from the event
 * that ends it (`response.completed`, or `response.incomplete` / `response.failed`).
 * https://platform.openai.com/docs/api-reference/responses/create
 * https://platform.openai.com/docs/api-reference/responses-streaming/response/completed
 */

const USAGE = jsonKey('usage');

/** https://platform.openai.com/docs/api-reference/responses/object#responses/object-usage */
interface ResponsesUsage {
  input_tokens?: unknown;
  output_tokens?: unknown;
  input_tokens_details?: { cached_tokens?: unknown } | null;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}

function tokenUsageOf(value: unknown): TokenUsage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const usage = value as ResponsesUsage;
  return {
    promptTokens: count(usage.input_tokens),
    completionTokens: count(usage.output_tokens),
    cachedTokens: count(usage.input_tokens_details?.cached_tokens),
  };
}

export function responsesBody(body: ClientBody, model: string): Record<string, unknown> {
  return { ...body, model };
}

/** Usage of a complete `response` object: its top-level `usage`, after `output`, so the last key of that name. */
export function readResponsesUsage(body: Buffer): TokenUsage | undefined {
  return tokenUsageOf(lastObjectValue(body, USAGE));
}

/** Usage of the event that ends a response stream; only events with a usage object are parsed. */
export function readResponsesEventUsage(event: Buffer): EventUsage | undefined {
  if (!hasObjectValue(event, USAGE)) return undefined;
  let data: { type?: unknown; response?: { usage?: unknown } };
  try {
    data = JSON.parse(eventData(event)) as typeof data;
  } catch {
    return undefined;
  }
  const usage = tokenUsageOf(data?.response?.usage);
  return usage ? { usage, usageOnly: false } : undefined;
}
