import { ErrorCode } from './codes';

/** Extra facts an error carries to the edge, never secrets. */
export interface ErrorDetails {
  /** The request parameter at fault, as the client named it. */
  param?: string;
  /** When the client may retry, number of seconds. */
  retryAfterS?: number;
  /** The upstream status that caused this error, if any. */
  upstreamStatus?: number;
  /** The internal service at fault, if any. */
  service?: string;
  /** Of a rate limit error: the kind of limit hit (`RefusedLimit`: requests, tokens, concurrency, budget). */
  limit?: string;
}

/**
 * Base of every typed gateway error. Raised where the failure arises and turned into a wire reply once,
 * at the HTTP edge or the NATS responder.
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GatewayError';
    this.code = code;
    this.details = details;
  }

  /** The JSON form carried over NATS (see `NatsErrorBody`). */
  toJSON(): { code: ErrorCode; message: string; details: ErrorDetails } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export class InvalidRequestError extends GatewayError {
  constructor(message: string, param?: string) {
    super(ErrorCode.InvalidRequest, message, param ? { param } : {});
    this.name = 'InvalidRequestError';
  }
}

export class InvalidJsonError extends GatewayError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCode.InvalidJson, message, {}, options);
    this.name = 'InvalidJsonError';
  }
}

export class InvalidApiKeyError extends GatewayError {
  constructor(message = 'Incorrect API key provided. Pass a gateway key as "Authorization: Bearer <key>".') {
    super(ErrorCode.InvalidApiKey, message);
    this.name = 'InvalidApiKeyError';
  }
}

export class PermissionDeniedError extends GatewayError {
  constructor(message: string) {
    super(ErrorCode.PermissionDenied, message);
    this.name = 'PermissionDeniedError';
  }
}

export class ModelNotFoundError extends GatewayError {
  constructor(model: string) {
    super(ErrorCode.ModelNotFound, `The model '${model}' does not exist or you do not have access to it.`, {
      param: 'model',
    });
    this.name = 'ModelNotFoundError';
  }
}

export class NotFoundError extends GatewayError {
  constructor(method: string, path: string) {
    super(ErrorCode.NotFound, `Unknown request URL: ${method} ${path}.`);
    this.name = 'NotFoundError';
  }
}

export class RequestTooLargeError extends GatewayError {
  constructor(limitBytes: number) {
    super(ErrorCode.RequestTooLarge, `Request body is larger than the limit of ${limitBytes} bytes.`);
    this.name = 'RequestTooLargeError';
  }
}

export class UnsupportedContentEncodingError extends GatewayError {
  constructor(encoding: string) {
    super(ErrorCode.UnsupportedMediaType, `Content-Encoding '${encoding}' is not supported: send the request body uncompressed.`);
    this.name = 'UnsupportedContentEncodingError';
  }
}

export class RequestTimeoutError extends GatewayError {
  constructor(timeoutMs: number) {
    super(ErrorCode.RequestTimeout, `The request did not arrive within ${Math.round(timeoutMs / 1000)} s; send its headers and body without pausing.`);
    this.name = 'RequestTimeoutError';
  }
}

export class HeadersTooLargeError extends GatewayError {
  constructor() {
    super(ErrorCode.HeadersTooLarge, 'The request headers are larger than the server accepts.');
    this.name = 'HeadersTooLargeError';
  }
}

export class RateLimitError extends GatewayError {
  constructor(message: string, retryAfterS: number, limit?: string) {
    super(ErrorCode.RateLimitExceeded, message, limit === undefined ? { retryAfterS } : { retryAfterS, limit });
    this.name = 'RateLimitError';
  }
}

export class ServiceUnavailableError extends GatewayError {
  constructor(service: string, message: string, options?: ErrorOptions) {
    super(ErrorCode.ServiceUnavailable, message, { service }, options);
    this.name = 'ServiceUnavailableError';
  }
}

export class UpstreamError extends GatewayError {
  constructor(message: string, upstreamStatus?: number, options?: ErrorOptions) {
    super(ErrorCode.UpstreamError, message, upstreamStatus ? { upstreamStatus } : {}, options);
    this.name = 'UpstreamError';
  }
}

export class UpstreamTimeoutError extends GatewayError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCode.UpstreamTimeout, message, {}, options);
    this.name = 'UpstreamTimeoutError';
  }
}

/** A message that breaks an endpoint's contract; `subject` and `problem` are for the sender's log, not for clients. */
export class ContractViolationError extends GatewayError {
  constructor(subject: string, problem: string) {
    super(ErrorCode.ContractViolation, `Invalid request to ${subject}: ${problem}.`);
    this.name = 'ContractViolationError';
  }
}

export class InternalError extends GatewayError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCode.Internal, message, {}, options);
    this.name = 'InternalError';
  }
}

/** Every error class, by name. */
export const errors = {
  GatewayError,
  InvalidRequestError,
  InvalidJsonError,
  InvalidApiKeyError,
  PermissionDeniedError,
  ModelNotFoundError,
  NotFoundError,
  RequestTooLargeError,
  UnsupportedContentEncodingError,
  RequestTimeoutError,
  HeadersTooLargeError,
  RateLimitError,
  ServiceUnavailableError,
  UpstreamError,
  UpstreamTimeoutError,
  ContractViolationError,
  InternalError,
};

/** Rebuilds a typed error from its JSON form (`GatewayError#toJSON`), e.g. after it crossed NATS. */
export function gatewayErrorFromJSON(body: { code: string; message: string; details?: ErrorDetails }): GatewayError {
  const known = (Object.values(ErrorCode) as string[]).includes(body.code);
  return new GatewayError(known ? (body.code as ErrorCode) : ErrorCode.Internal, body.message, body.details ?? {});
}
