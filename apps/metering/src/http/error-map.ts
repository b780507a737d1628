import type { ErrorRequestHandler } from 'express';
import { ErrorCode, GatewayError, HTTP_ERROR_BY_CODE, InternalError } from '@aigw/contracts';
import type { Logger } from '@aigw/telemetry';

/** OpenAI's error body, which clients of the gateway already know how to read. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

export interface HttpError {
  status: number;
  headers: Record<string, string>;
  body: OpenAiErrorBody;
}

/** Seconds a client should wait before retrying while a dependency is down. */
const UNAVAILABLE_RETRY_AFTER_S = 1;

/** The one place where a typed error becomes an HTTP reply; anything untyped is a 500 that hides its details. */
export function toHttpError(err: unknown): HttpError {
  const gwErr = err instanceof GatewayError ? err : new InternalError('The server had an error while processing your request.');
  const { status, type } = HTTP_ERROR_BY_CODE[gwErr.code];
  const headers: Record<string, string> = {};
  const retryAfterS =
    gwErr.details.retryAfterS ?? (gwErr.code === ErrorCode.ServiceUnavailable ? UNAVAILABLE_RETRY_AFTER_S : undefined);
  if (retryAfterS !== undefined) headers['retry-after'] = String(retryAfterS);
  return {
    status,
    headers,
    body: { error: { message: gwErr.message, type, param: gwErr.details.param ?? null, code: gwErr.code } },
  };
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const reply = toHttpError(err);
    if (reply.status >= 500) {
      logger.error({ err, method: req.method, path: req.path, status: reply.status }, 'request failed');
    }
    res.status(reply.status).set(reply.headers).json(reply.body);
  };
}
