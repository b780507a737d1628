/**
 * Stable error codes. Every failure the gateway reports carries one of these; clients and services branch
 * on the code, never on message text. The HTTP edge maps each code to a status and the provider's error
 * shape in one place (`apps/proxy/src/http/error-map.ts`).
 */
export const ErrorCode = {
  /** The request body or a parameter is not acceptable. */
  InvalidRequest: 'invalid_request',
  /** The request body is not valid JSON. */
  InvalidJson: 'invalid_json',
  /** No credential, or one the gateway does not know. */
  InvalidApiKey: 'invalid_api_key',
  /** A valid credential that may not do this. */
  PermissionDenied: 'permission_denied',
  /** No such model alias or route. */
  ModelNotFound: 'model_not_found',
  /** No such path. */
  NotFound: 'not_found',
  /** The request body is larger than the gateway accepts. */
  RequestTooLarge: 'request_too_large',
  /** The request body is encoded in a way the gateway does not read (a `content-encoding` such as gzip). */
  UnsupportedMediaType: 'unsupported_media_type',
  /** The request (headers and body) did not arrive within the server's deadline. */
  RequestTimeout: 'request_timeout',
  /** The request's headers are larger than the server accepts. */
  HeadersTooLarge: 'headers_too_large',
  /** A rate limit was hit; `retryAfterS` says when to try again. */
  RateLimitExceeded: 'rate_limit_exceeded',
  /** An internal service did not answer in time or is not running. */
  ServiceUnavailable: 'service_unavailable',
  /** Every upstream candidate failed before the response started. */
  UpstreamError: 'upstream_error',
  /** The upstream did not answer in time. */
  UpstreamTimeout: 'upstream_timeout',
  /**
   * A service was sent a message that breaks its contract (schema): a bug of the sender, never the
   * client's. Over NATS it is a 400 to the sender; at an HTTP edge a 500 whose text stays in the log.
   */
  ContractViolation: 'contract_violation',
  /** A bug: anything not classified above. */
  Internal: 'internal_error',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
