import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import {
  GatewayError,
  HTTP_ERROR_BY_CODE,
  InternalError,
  InvalidJsonError,
  InvalidRequestError,
  RequestTooLargeError,
} from '@aigw/contracts';
import type { Logger } from '@aigw/telemetry';

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
    const { status, type } = HTTP_ERROR_BY_CODE[gwErr.code];
    if (status >= 500) logger.error({ err, method: req.method, route: req.route?.path, status }, 'admin request failed');
    if (gwErr.details.retryAfterS !== undefined) res.set('retry-after', String(gwErr.details.retryAfterS));
    res.status(status).json({ error: { message: gwErr.message, type, param: gwErr.details.param ?? null, code: gwErr.code } });
  };
}
