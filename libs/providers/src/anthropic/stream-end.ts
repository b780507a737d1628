import { leadingEventName } from '../stream/sse-event';
import type { StreamEnd } from '../types';

/**
 * Messages: every event is named; `message_stop` ends a stream, an `error` event ends it in failure.
 * https://docs.anthropic.com/en/api/messages-streaming
 */
export function messagesStreamEnd(event: Buffer): StreamEnd | undefined {
  const name = leadingEventName(event);
  if (name === 'message_stop') return 'done';
  if (name === 'error') return 'error';
  return undefined;
}
