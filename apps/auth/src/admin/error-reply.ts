import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import {
  ErrorCode,
  GatewayError,
  InternalError,
  InvalidJsonError,
  InvalidRequestError,
  RequestTooLargeError,
} from '@aigw/contracts';
import type { Logger } from '@aigw/telemetry';

/** Status and OpenAI error `type` for every code; the `Record` keeps this table complete. */
const HTTP_BY_CODE: Readonly<Record<ErrorCode, { status: number; type: string }>> = {
  [ErrorCode.InvalidRequest]: { status: 400, type: 'invalid_request_error' },
  [ErrorCode.InvalidJson]: { status: 400, type: 'invalid_request_error' },
  [ErrorCode.InvalidApiKey]: { status: 401, type: 'invalid_request_error' },
  [ErrorCode.PermissionDenied]: { status: 403, type: 'permission_error' },
  [ErrorCode.ModelNotFound]: { status: 404, type: 'invalid_request_error' },
  [ErrorCode.NotFound]: { status: 404, type: 'invalid_request_error' },
  [ErrorCode.RequestTooLarge]: { status: 413, type: 'invalid_request_error' },
  [ErrorCode.RateLimitExceeded]: { status: 429, type: 'rate_limit_error' },
  [ErrorCode.ServiceUnavailable]: { status: 503, type: 'server_error' },
  [ErrorCode.UpstreamError]: { status: 502, type: 'server_error' },
  [ErrorCode.UpstreamTimeout]: { status: 504, type: 'server_error' },
  [ErrorCode.Internal]: { status: 500, type: 'server_error' },
};

/** What express's JSON parser throws, told apart by its `type`. */
interface BodyParserError {
  type: string;
  limit?: number;
}

/** Turns any failure of an admin request into a typed error: zod issues name the field at fault. */
function typed(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof z.ZodError) {
    const issue = err.issues[0]!;
    const param = issue.path.length ? issue.path.join('.') : undefined;
    return new InvalidRequestError(param ? `Invalid '${param}': ${issue.message}.` : `${issue.message}.`, param);
  }
  const parserError = err as Partial<BodyParserError> | undefined;
  if (parserError?.type === 'entity.parse.failed') return new InvalidJsonError('The request body is not valid JSON.');
  if (parserError?.type === 'entity.too.large') return new RequestTooLargeError(parserError.limit ?? 0);
  return new InternalError('The server had an error while processing your request.', { cause: err });
}

/** The admin API's one error handler: OpenAI's error shape, `retry-after` when there is a wait. */
export function adminErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const gwErr = typed(err);
    const { status, type } = HTTP_BY_CODE[gwErr.code];
    if (status >= 500) logger.error({ err, method: req.method, route: req.route?.path, status }, 'admin request failed');
    if (gwErr.details.retryAfterS !== undefined) res.set('retry-after', String(gwErr.details.retryAfterS));
    res.status(status).json({ error: { message: gwErr.message, type, param: gwErr.details.param ?? null, code: gwErr.code } });
  };
}
