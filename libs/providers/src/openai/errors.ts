import { STATUS_CODES } from 'node:http';
import type { OpenAIErrorBody } from '../types';

/**
 * OpenAI's error `type` for an HTTP status, used when the upstream's body does not say.
 * https://platform.openai.com/docs/guides/error-codes#api-errors
 */
export function typeForStatus(status: number): string {
  if (status === 429) return 'requests';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function stringOrNull(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return null;
}

/** Error bodies are small; anything larger is not an error object worth parsing. */
const MAX_PARSED_BYTES = 64 * 1024;

/** A small upstream error body parsed, or undefined when it is empty, too large or not JSON. */
export function parseErrorBody(body: Buffer): unknown {
  if (body.length === 0 || body.length > MAX_PARSED_BYTES) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** What the client is told about an upstream error whose body says nothing usable. */
export function statusMessage(status: number): string {
  return `The upstream provider answered HTTP ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd() + '.';
}

/**
 * An upstream error answer as OpenAI's error object. OpenAI's own bodies keep their message, type, param
 * and code; `{"error":"text"}` (seen from compatible servers) keeps its text; anything else (an HTML page
 * from a load balancer, an empty body) becomes a message naming the status, never the body's content.
 */
export function normalizeError(status: number, body: Buffer): OpenAIErrorBody {
  const parsed = parseErrorBody(body) as { error?: unknown; message?: unknown } | undefined;
  const error = parsed?.error;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    const e = error as { message: string; type?: unknown; param?: unknown; code?: unknown };
    return {
      error: {
        message: e.message,
        type: stringOrNull(e.type) ?? typeForStatus(status),
        param: stringOrNull(e.param),
        code: stringOrNull(e.code),
      },
    };
  }
  const text = typeof error === 'string' ? error : typeof parsed?.message === 'string' ? parsed.message : undefined;
  return {
    error: {
      message: text ?? statusMessage(status),
      type: typeForStatus(status),
      param: null,
      code: null,
    },
  };
}
