import type { ServerResponse } from 'node:http';
import type { OpenAIErrorBody } from '@aigw/contracts';
import { sendJson } from '@aigw/http-edge';
import { clientFormats, type ClientFormat } from '@aigw/providers';

/**
 * Answers in the client API's error shape: OpenAI's error object (`toErrorReply` of `@aigw/http-edge`, the
 * mapping every edge shares), or Anthropic's `{"type":"error","error":{"type","message"}}` on the Messages
 * API, its type chosen by the status.
 */
export function sendClientError(
  res: ServerResponse,
  format: ClientFormat,
  status: number,
  body: OpenAIErrorBody,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, clientFormats[format].errorBody(status, body), headers);
}
