import { ErrorCode } from './codes';

/**
 * HTTP status and OpenAI error `type` of every code, the same on every HTTP edge (proxy, metering API,
 * admin API), so that one failure reads the same wherever a client meets it. Types follow what OpenAI's
 * API sends (`requests` for a rate limit); the `Record` keeps the table complete.
 */
export const HTTP_ERROR_BY_CODE: Readonly<Record<ErrorCode, { status: number; type: string }>> = {
  [ErrorCode.InvalidRequest]: { status: 400, type: 'invalid_request_error' },
  [ErrorCode.InvalidJson]: { status: 400, type: 'invalid_request_error' },
  [ErrorCode.InvalidApiKey]: { status: 401, type: 'invalid_request_error' },
  [ErrorCode.PermissionDenied]: { status: 403, type: 'invalid_request_error' },
  [ErrorCode.ModelNotFound]: { status: 404, type: 'invalid_request_error' },
  [ErrorCode.NotFound]: { status: 404, type: 'invalid_request_error' },
  [ErrorCode.RequestTooLarge]: { status: 413, type: 'invalid_request_error' },
  [ErrorCode.UnsupportedMediaType]: { status: 415, type: 'invalid_request_error' },
  [ErrorCode.RequestTimeout]: { status: 408, type: 'invalid_request_error' },
  [ErrorCode.HeadersTooLarge]: { status: 431, type: 'invalid_request_error' },
  [ErrorCode.RateLimitExceeded]: { status: 429, type: 'requests' },
  [ErrorCode.ServiceUnavailable]: { status: 503, type: 'server_error' },
  [ErrorCode.UpstreamError]: { status: 502, type: 'server_error' },
  [ErrorCode.UpstreamTimeout]: { status: 504, type: 'server_error' },
  [ErrorCode.ContractViolation]: { status: 500, type: 'server_error' },
  [ErrorCode.Internal]: { status: 500, type: 'server_error' },
};

/**
 * OpenAI's error object: the gateway's internal error shape, what OpenAI-format clients see, and what every
 * HTTP edge answers with.
 */
export interface OpenAIErrorBody {
  error: {
    message: string;
    /** e.g. `invalid_request_error`, `server_error`, `requests`. */
    type: string;
    /** The request parameter at fault, if any. */
    param: string | null;
    /** Machine-readable code, e.g. `model_not_found`, `rate_limit_exceeded`. */
    code: string | null;
  };
}
