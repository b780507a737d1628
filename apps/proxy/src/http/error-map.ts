import type { ServerResponse } from 'node:http';
import { ErrorCode, GatewayError, HTTP_ERROR_BY_CODE } from '@aigw/contracts';
import { clientFormats, type ClientFormat, type OpenAIErrorBody } from '@aigw/providers';

/**
 * A quota refusal's OpenAI type (and code) by the kind of limit hit: `requests` or `tokens` for rate limits,
 * and for a spent budget OpenAI's own answer to an exhausted quota, 429 `insufficient_quota`.
 */
const replyByLimit: Readonly<Record<string, { type: string; code?: string }>> = {
  requests: { type: 'requests' },
  concurrency: { type: 'requests' },
  tokens: { type: 'tokens' },
  budget: { type: 'insufficient_quota', code: 'insufficient_quota' },
};

/** What an unclassified failure (a bug) tells the client; the details go to the log only. */
const INTERNAL_MESSAGE = 'The server had an error while processing your request.';

export interface ErrorReply {
  status: number;
  body: OpenAIErrorBody;
  headers: Record<string, string>;
}

export function toErrorReply(err: unknown): ErrorReply {
  if (!(err instanceof GatewayError)) {
    return {
      status: 500,
      body: { error: { message: INTERNAL_MESSAGE, type: 'server_error', param: null, code: ErrorCode.Internal } },
      headers: {},
    };
  }
  const { status, type } = HTTP_ERROR_BY_CODE[err.code] ?? HTTP_ERROR_BY_CODE[ErrorCode.Internal];
  const byLimit = err.details.limit === undefined ? undefined : replyByLimit[err.details.limit];
  const headers: Record<string, string> = {};
  if (err.details.retryAfterS !== undefined) headers['retry-after'] = String(err.details.retryAfterS);
  const error = { message: err.message, type: byLimit?.type ?? type, param: err.details.param ?? null, code: byLimit?.code ?? err.code };
  return { status, body: { error }, headers };
}

/** Answers with OpenAI's error shape; headers set earlier on `res` (request id, rate limits) are kept. */
export function sendJsonError(res: ServerResponse, status: number, body: OpenAIErrorBody, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

/**
 * Answers in the client API's error shape: OpenAI's error object, or Anthropic's
 * `{"type":"error","error":{"type","message"}}` on the Messages API, its type chosen by the status.
 */
export function sendClientError(
  res: ServerResponse,
  format: ClientFormat,
  status: number,
  body: OpenAIErrorBody,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(clientFormats[format].errorBody(status, body));
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
