import { parseErrorBody, statusMessage, typeForStatus } from '../openai/errors';
import type { OpenAIErrorBody } from '../types';
import type { AnthropicErrorBody } from './messages.wire';
import { anthropicErrorType } from './vocabulary';

/**
 * An Anthropic error answer (`{"type":"error","error":{"type","message"}}`) as the gateway's internal
 * error: the message is kept, the type follows OpenAI's vocabulary for the status, and Anthropic's own
 * type becomes the `code` (e.g. `overloaded_error`). Anything else becomes a message naming the status.
 * https://docs.anthropic.com/en/api/errors
 */
export function normalizeError(status: number, body: Buffer): OpenAIErrorBody {
  const parsed = parseErrorBody(body) as { error?: { type?: unknown; message?: unknown } } | undefined;
  const error = parsed?.error;
  const message = typeof error?.message === 'string' ? error.message : statusMessage(status);
  const code = typeof error?.type === 'string' ? error.type : null;
  return { error: { message, type: typeForStatus(status), param: null, code } };
}

/** The gateway's error for a Messages client, in Anthropic's shape with Anthropic's type for the status. */
export function anthropicErrorBody(status: number, body: OpenAIErrorBody): AnthropicErrorBody {
  return { type: 'error', error: { type: anthropicErrorType(status), message: body.error.message } };
}
