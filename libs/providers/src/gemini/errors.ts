import { parseErrorBody, statusMessage, typeForStatus } from '../openai/errors';
import type { OpenAIErrorBody } from '../types';
import { errorCodeOfStatus } from './vocabulary';

/**
 * A Gemini error answer (`{"error":{"code","message","status","details"}}`) as the gateway's internal
 * error: the message is kept, the type follows OpenAI's vocabulary for the status, and Google's status
 * becomes an OpenAI-style code. https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes
 */
export function normalizeError(status: number, body: Buffer): OpenAIErrorBody {
  const parsed = parseErrorBody(body) as { error?: { message?: unknown; status?: unknown } } | undefined;
  const error = parsed?.error;
  const message = typeof error?.message === 'string' ? error.message : statusMessage(status);
  const google = typeof error?.status === 'string' ? error.status : undefined;
  const code = google === undefined ? null : (errorCodeOfStatus[google] ?? google.toLowerCase());
  return { error: { message, type: typeForStatus(status), param: null, code } };
}
