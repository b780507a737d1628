import { dataStartsWith, leadingEventName } from '../stream/sse-event';
import type { StreamEnd } from '../types';

/**
 * Chat Completions: the stream ends with `data: [DONE]`; an error mid-stream is `data: {"error": ...}`.
 * https://platform.openai.com/docs/api-reference/chat/streaming
 */
export function chatStreamEnd(event: Buffer): StreamEnd | undefined {
  if (dataStartsWith(event, '[DONE]')) return 'done';
  if (dataStartsWith(event, '{"error"')) return 'error';
  return undefined;
}

/**
 * Responses: every event is named; `response.completed` and `response.incomplete` end a stream,
 * `response.failed` and `error` end it in failure.
 * https://platform.openai.com/docs/api-reference/responses-streaming
 */
const RESPONSES_ENDS: Readonly<Record<string, StreamEnd>> = {
  'response.completed': 'done',
  'response.incomplete': 'done',
  'response.failed': 'error',
  error: 'error',
};

export function responsesStreamEnd(event: Buffer): StreamEnd | undefined {
  const name = leadingEventName(event);
  return name === undefined ? undefined : RESPONSES_ENDS[name];
}

/** An operation that never streams (embeddings) or is always translated: no event of it ends a stream. */
export const neverStreamEnd = (): StreamEnd | undefined => undefined;
