import type { OutgoingHttpHeaders } from 'node:http';
import type { Behavior } from '../behavior';
import { RequestRejected } from '../dialect';
import type { Reply } from '../exchange';

/**
 * Google's error body: `{"error":{"code","message","status","details"}}`.
 * https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes
 */
export function googleError(code: number, status: string, message: string, details?: unknown[], headers?: OutgoingHttpHeaders): Reply {
  return { status: code, body: JSON.stringify({ error: { code, message, status, ...(details ? { details } : {}) } }), headers };
}

export function invalidArgument(message: string): never {
  throw new RequestRejected(googleError(400, 'INVALID_ARGUMENT', message));
}

const STATUS_BY_CODE: Record<number, { status: string; message: string }> = {
  400: { status: 'INVALID_ARGUMENT', message: 'Request contains an invalid argument.' },
  401: { status: 'UNAUTHENTICATED', message: 'Request had invalid authentication credentials.' },
  403: { status: 'PERMISSION_DENIED', message: 'The caller does not have permission.' },
  404: { status: 'NOT_FOUND', message: 'Requested entity was not found.' },
  429: { status: 'RESOURCE_EXHAUSTED', message: 'You exceeded your current quota, please check your plan and billing details.' },
  500: { status: 'INTERNAL', message: 'An internal error has occurred.' },
  503: { status: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.' },
  504: { status: 'DEADLINE_EXCEEDED', message: 'Deadline expired before operation could complete.' },
};

/** The injected fault; a 429 carries Google's `RetryInfo` and a `retry-after` header. */
export function faultError(code: number, behavior: Behavior): Reply {
  const known = STATUS_BY_CODE[code] ?? { status: code >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION', message: `The mock provider was told to answer ${code}.` };
  if (code !== 429) return googleError(code, known.status, known.message);
  const retry = [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${behavior.faultRetryAfterS}s` }];
  return googleError(code, known.status, known.message, retry, { 'retry-after': String(behavior.faultRetryAfterS) });
}

export const missingApiKey = (): Reply =>
  googleError(403, 'PERMISSION_DENIED', 'Method doesn\'t allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.');

export const incorrectApiKey = (): Reply =>
  googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
    { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
  ]);

export const invalidJson = (): Reply => googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
export const bodyTooLarge = (limitBytes: number): Reply => googleError(413, 'FAILED_PRECONDITION', `Request payload size exceeds the limit: ${limitBytes} bytes.`);
export const notFound = (method: string, path: string): Reply => googleError(404, 'NOT_FOUND', `The requested URL ${path} was not found (${method}).`);
export const modelNotFound = (model: string): Reply =>
  googleError(404, 'NOT_FOUND', `models/${model} is not found for API version v1beta, or is not supported for generateContent.`);
