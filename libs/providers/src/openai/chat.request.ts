import type { Deployment } from '@aigw/contracts';
import type { ClientBody, PreparedRequest } from '../types';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The upstream chat request: the client's body aimed at the deployment's model. A streamed request always
 * asks for the final usage event (`stream_options.include_usage`), because the gateway bills from it;
 * `usageAdded` tells the proxy to keep that event from a client that did not ask for it.
 * https://platform.openai.com/docs/api-reference/chat/create#chat-create-stream_options
 */
export function prepareChat(body: ClientBody, deployment: Deployment): PreparedRequest {
  const stream = body.stream === true;
  if (!stream) return { body: JSON.stringify({ ...body, model: deployment.model }), stream, usageAdded: false };
  const options = isObject(body.stream_options) ? body.stream_options : undefined;
  if (options?.include_usage === true) {
    return { body: JSON.stringify({ ...body, model: deployment.model }), stream, usageAdded: false };
  }
  const upstream = { ...body, model: deployment.model, stream_options: { ...options, include_usage: true } };
  return { body: JSON.stringify(upstream), stream, usageAdded: true };
}
