import type { ClientBody } from '../types';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface ChatBody {
  /** The upstream request, still an object: a dialect may adjust it before it is serialized. */
  body: Record<string, unknown>;
  stream: boolean;
  usageAdded: boolean;
}

/**
 * The upstream chat request: the client's body aimed at the deployment's model, every other field kept.
 * A streamed request always asks for the final usage event (`stream_options.include_usage`), because the
 * gateway bills from it; `usageAdded` tells the proxy to keep that event from a client that did not ask.
 * https://platform.openai.com/docs/api-reference/chat/create#chat-create-stream_options
 */
export function chatBody(body: ClientBody, model: string): ChatBody {
  const stream = body.stream === true;
  if (!stream) return { body: { ...body, model }, stream, usageAdded: false };
  const options = isObject(body.stream_options) ? body.stream_options : undefined;
  if (options?.include_usage === true) return { body: { ...body, model }, stream, usageAdded: false };
  return { body: { ...body, model, stream_options: { ...options, include_usage: true } }, stream, usageAdded: true };
}
