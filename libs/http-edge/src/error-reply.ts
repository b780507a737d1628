import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import {
  ErrorCode,
  GatewayError,
  HTTP_ERROR_BY_CODE,
  InternalError,
  InvalidJsonError,
  InvalidRequestError,
  RequestTooLargeError,
  type OpenAIErrorBody,
} from '@aigw/contracts';

export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: OpenAIErrorBody;
}

/** What a failure that is the gateway's own (a bug, a broken contract between services) tells the client. */
export const INTERNAL_MESSAGE = 'The server had an error while processing your request.';

/** Seconds a client should wait before retrying while a dependency is down, when the error names no wait. */
const UNAVAILABLE_RETRY_AFTER_S = 1;

/** Codes whose message is for the log: it names internals (subjects, schema paths) a client has no use for. */
const HIDDEN_MESSAGES: ReadonlySet<ErrorCode> = new Set([ErrorCode.Internal, ErrorCode.ContractViolation]);

/**
 * A quota refusal's OpenAI type (and code) by the kind of limit hit: `requests` or `tokens` for rate limits,
 * and for a spent budget OpenAI's own answer to an exhausted quota, 429 `insufficient_quota`.
 */
const REPLY_BY_LIMIT: Readonly<Record<string, { type: string; code?: string }>> = {
  requests: { type: 'requests' },
  concurrency: { type: 'requests' },
  tokens: { type: 'tokens' },
  budget: { type: 'insufficient_quota', code: 'insufficient_quota' },
};

/** What express's body parser throws, told apart by its `type`. */
interface BodyParserError {
  type: string;
  limit?: number;
}

/**
 * Any failure as a typed error: a `GatewayError` as it is, a zod issue as the field at fault, express's
 * body-parser failures as bad JSON or too large; anything else is a bug, `internal_error`.
 */
export function typedError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof z.ZodError) {
    const issue = err.issues[0]!;
    const param = issue.path.length ? issue.path.join('.') : undefined;
    return new InvalidRequestError(param ? `Invalid '${param}': ${issue.message}.` : `${issue.message}.`, param);
  }
  const parserError = err as Partial<BodyParserError> | undefined;
  if (parserError?.type === 'entity.parse.failed') return new InvalidJsonError('The request body is not valid JSON.');
  if (parserError?.type === 'entity.too.large') return new RequestTooLargeError(parserError.limit ?? 0);
  // express's router, on a path parameter whose percent-encoding is not UTF-8 (its message quotes the path).
  if (err instanceof URIError && (err as URIError & { status?: number }).status === 400) {
    return new InvalidRequestError('The request URL is not valid: a percent-encoded part of its path is not UTF-8.');
  }
  return new InternalError(INTERNAL_MESSAGE, { cause: err });
}

/**
 * The one place a failure becomes an HTTP reply, for every edge (proxy, metering API, admin API): status
 * and type from `HTTP_ERROR_BY_CODE`, `retry-after` when there is a wait, and the message unless it is
 * the gateway's own business.
 */
export function toErrorReply(err: unknown): ErrorReply {
  const gwErr = typedError(err);
  const { status, type } = HTTP_ERROR_BY_CODE[gwErr.code] ?? HTTP_ERROR_BY_CODE[ErrorCode.Internal];
  const byLimit = gwErr.details.limit === undefined ? undefined : REPLY_BY_LIMIT[gwErr.details.limit];
  const headers: Record<string, string> = {};
  const retryAfterS = gwErr.details.retryAfterS ?? (gwErr.code === ErrorCode.ServiceUnavailable ? UNAVAILABLE_RETRY_AFTER_S : undefined);
  if (retryAfterS !== undefined) headers['retry-after'] = String(retryAfterS);
  const hidden = HIDDEN_MESSAGES.has(gwErr.code);
  const error = {
    message: hidden ? INTERNAL_MESSAGE : gwErr.message,
    type: byLimit?.type ?? type,
    param: gwErr.details.param ?? null,
    code: byLimit?.code ?? (hidden ? ErrorCode.Internal : gwErr.code),
  };
  return { status, headers, body: { error } };
}

/** Whether a reply answers the gateway's own failure, to be logged with its cause (the client sees `INTERNAL_MESSAGE`). */
export function isOwnFailure(reply: ErrorReply): boolean {
  return reply.body.error.code === ErrorCode.Internal;
}

/** Writes a JSON answer with its length; headers set earlier on `res` (request id, security, rate limits) are kept. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
