import type { OutgoingHttpHeaders } from 'node:http';
import type { Behavior } from '../behavior';
import type { Reply } from '../exchange';

/** The `error` object of OpenAI's error body. */
export interface OpenAIErrorObject {
  message: string;
  /** Family of the error, e.g. `invalid_request_error`, `server_error`, `requests`. */
  type: string;
  /** The request field at fault, e.g. `messages[0].role`, or null. */
  param: string | null;
  /** Machine-readable cause, e.g. `invalid_api_key`, or null. */
  code: string | null;
}

export function openaiError(
  status: number,
  error: OpenAIErrorObject,
  headers?: OutgoingHttpHeaders,
): Reply {
  return { status, body: JSON.stringify({ error }), headers };
}

/** A 400 `invalid_request_error`, the answer to every malformed request. */
export function invalidRequest(message: string, param: string | null = null, code: string | null = null): Reply {
  return openaiError(400, { message, type: 'invalid_request_error', param, code });
}

/**
 * What OpenAI answers for each status it documents, used for injected faults.
 * https://platform.openai.com/docs/guides/error-codes#api-errors
 */
const STATUS_ERRORS: Record<number, Omit<OpenAIErrorObject, 'param'>> = {
  400: { type: 'invalid_request_error', code: null, message: 'The request was rejected by the mock provider.' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: {
    type: 'invalid_request_error',
    code: 'unsupported_country_region_territory',
    message: 'Country, region, or territory not supported',
  },
  404: {
    type: 'invalid_request_error',
    code: 'model_not_found',
    message: 'The model does not exist or you do not have access to it.',
  },
  429: {
    type: 'requests',
    code: 'rate_limit_exceeded',
    message: 'Rate limit reached for requests. Please try again later.',
  },
  500: {
    type: 'server_error',
    code: null,
    message: 'The server had an error while processing your request. Sorry about that!',
  },
  502: { type: 'server_error', code: null, message: 'Bad gateway.' },
  503: { type: 'server_error', code: null, message: 'The engine is currently overloaded, please try again later.' },
  504: { type: 'server_error', code: null, message: 'Gateway timeout.' },
};

export function faultError(status: number, behavior: Behavior): Reply {
  const known = STATUS_ERRORS[status] ?? {
    type: status >= 500 ? 'server_error' : 'invalid_request_error',
    code: null,
    message: `The mock provider was told to answer ${status}.`,
  };
  const headers = status === 429 ? { 'retry-after': String(behavior.faultRetryAfterS) } : undefined;
  return openaiError(status, { ...known, param: null }, headers);
}

export const missingApiKey = (): Reply =>
  openaiError(401, {
    message:
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    type: 'invalid_request_error',
    param: null,
    code: 'invalid_api_key',
  });

/** Unlike OpenAI, the message never repeats any part of the key: it would end up in logs. */
export const incorrectApiKey = (): Reply =>
  openaiError(401, {
    message: 'Incorrect API key provided.',
    type: 'invalid_request_error',
    param: null,
    code: 'invalid_api_key',
  });

export const invalidJson = (): Reply =>
  invalidRequest(
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
  );

export const bodyTooLarge = (limitBytes: number): Reply =>
  openaiError(413, {
    message: `Request body too large; the limit is ${limitBytes} bytes.`,
    type: 'invalid_request_error',
    param: null,
    code: null,
  });

export const invalidUrl = (method: string, path: string): Reply =>
  openaiError(404, { message: `Invalid URL (${method} ${path})`, type: 'invalid_request_error', param: null, code: null });

export const modelNotFound = (model: string): Reply =>
  openaiError(404, {
    message: `The model '${model}' does not exist`,
    type: 'invalid_request_error',
    param: 'model',
    code: 'model_not_found',
  });
