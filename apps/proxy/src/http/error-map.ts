import type { ServerResponse } from 'node:http';
import { ErrorCode, GatewayError } from '@aigw/contracts';
import type { OpenAIErrorBody } from '@aigw/providers';

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
  const headers: Record<string, string> = {};
  if (err.details.retryAfterS !== undefined) headers['retry-after'] = String(err.details.retryAfterS);
  return { status, body: { error: { message: err.message, type, param: err.details.param ?? null, code: err.code } }, headers };
}

/** Answers with OpenAI's error shape; headers set earlier on `res` (request id, rate limits) are kept. */
export function sendJsonError(res: ServerResponse, status: number, body: OpenAIErrorBody, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
