import type { ServerResponse } from 'node:http';
import { ErrorCode, GatewayError } from '@aigw/contracts';
import { clientFormats, type ClientFormat, type OpenAIErrorBody } from '@aigw/providers';

/**
 * The one place where a gateway failure becomes an HTTP answer: status and OpenAI's error `type` per
 * code. Types follow OpenAI's API (https://platform.openai.com/docs/guides/error-codes#api-errors).
 */
const replyByCode: Readonly<Record<ErrorCode, { status: number; type: string }>> = {
  [ErrorCode.InvalidRequest]: { status: 400, type: 'invalid_request_error' },
  [ErrorCode.InvalidJson]: { status: 400, type: 'invalid_request_error' },
  [ErrorCode.InvalidApiKey]: { status: 401, type: 'invalid_request_error' },
  [ErrorCode.PermissionDenied]: { status: 403, type: 'invalid_request_error' },
  [ErrorCode.ModelNotFound]: { status: 404, type: 'invalid_request_error' },
  [ErrorCode.NotFound]: { status: 404, type: 'invalid_request_error' },
  [ErrorCode.RequestTooLarge]: { status: 413, type: 'invalid_request_error' },
  [ErrorCode.RateLimitExceeded]: { status: 429, type: 'requests' },
  [ErrorCode.ServiceUnavailable]: { status: 503, type: 'server_error' },
  [ErrorCode.UpstreamError]: { status: 502, type: 'server_error' },
  [ErrorCode.UpstreamTimeout]: { status: 504, type: 'server_error' },
  [ErrorCode.Internal]: { status: 500, type: 'server_error' },
};

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
  const { status, type } = replyByCode[err.code] ?? replyByCode[ErrorCode.Internal];
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
