import type { OutgoingHttpHeaders } from 'node:http';
import type { Behavior } from '../behavior';
import { RequestRejected } from '../dialect';
import type { Reply } from '../exchange';
import { nextId } from '../ids';

/**
 * Anthropic's error body: `{"type":"error","error":{"type","message"},"request_id"}`.
 * https://docs.anthropic.com/en/api/errors
 */
export function anthropicError(status: number, type: string, message: string, headers?: OutgoingHttpHeaders): Reply {
  return { status, body: JSON.stringify({ type: 'error', error: { type, message }, request_id: nextId('req_') }), headers };
}

export function invalid(message: string): never {
  throw new RequestRejected(anthropicError(400, 'invalid_request_error', message));
}

/** What Anthropic answers for each status it documents, used for injected faults. */
const STATUS_ERRORS: Record<number, { type: string; message: string }> = {
  400: { type: 'invalid_request_error', message: 'The request was rejected by the mock provider.' },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  402: { type: 'billing_error', message: 'Your credit balance is too low to access the Anthropic API.' },
  403: { type: 'permission_error', message: 'Your API key does not have permission to use the specified resource.' },
  404: { type: 'not_found_error', message: 'The requested resource could not be found.' },
  413: { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' },
  429: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit.' },
  500: { type: 'api_error', message: 'Internal server error' },
  504: { type: 'timeout_error', message: 'Request timed out' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

export function faultError(status: number, behavior: Behavior): Reply {
  const known = STATUS_ERRORS[status] ?? {
    type: status >= 500 ? 'api_error' : 'invalid_request_error',
    message: `The mock provider was told to answer ${status}.`,
  };
  const headers = status === 429 ? { 'retry-after': String(behavior.faultRetryAfterS) } : undefined;
  return anthropicError(status, known.type, known.message, headers);
}

export const missingApiKey = (): Reply => anthropicError(401, 'authentication_error', 'x-api-key header is required');
export const incorrectApiKey = (): Reply => anthropicError(401, 'authentication_error', 'invalid x-api-key');
export const missingVersion = (): Reply => anthropicError(400, 'invalid_request_error', 'anthropic-version: header is required');
export const unknownVersion = (version: string): Reply => anthropicError(400, 'invalid_request_error', `anthropic-version: invalid version '${version}'`);
export const invalidJson = (): Reply => anthropicError(400, 'invalid_request_error', 'There was an issue with your request body: invalid JSON');
export const bodyTooLarge = (limitBytes: number): Reply =>
  anthropicError(413, 'request_too_large', `Request exceeds the maximum allowed number of bytes (${limitBytes}).`);
export const notFound = (): Reply => anthropicError(404, 'not_found_error', 'Not Found');
