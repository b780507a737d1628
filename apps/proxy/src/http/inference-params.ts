import { InvalidJsonError, InvalidRequestError } from '@aigw/contracts';

/** The body parsed once; it must be a JSON object. */
export function parseJsonObject(raw: Buffer): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new InvalidJsonError(
      `We could not parse the JSON body of your request: ${(err as Error).message}. Send a JSON object with content-type application/json.`,
      { cause: err },
    );
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidJsonError('The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

/** Model names are short; a longer one is refused before it reaches logs, the bus and the router. */
const MAX_MODEL_LENGTH = 256;

/** `model` is a non-empty string; returns it. */
export function requireModel(body: Record<string, unknown>): string {
  const model = body.model;
  if (typeof model !== 'string' || model.length === 0) {
    throw new InvalidRequestError('You must provide a model parameter: a non-empty string.', 'model');
  }
  if (model.length > MAX_MODEL_LENGTH) {
    throw new InvalidRequestError(`Invalid 'model': longer than ${MAX_MODEL_LENGTH} characters.`, 'model');
  }
  return model;
}

export function requireMessages(body: Record<string, unknown>): void {
  if (body.messages === undefined) throw new InvalidRequestError("Missing required parameter: 'messages'.", 'messages');
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw new InvalidRequestError("Invalid 'messages': expected a non-empty array of messages.", 'messages');
  }
}

export function requireInput(body: Record<string, unknown>): void {
  if (body.input === undefined || body.input === null) {
    throw new InvalidRequestError("Missing required parameter: 'input'.", 'input');
  }
}

/** Anthropic's Messages API: `messages`, and the `max_tokens` it requires, whatever provider serves the request. */
export function requireMessagesAndMaxTokens(body: Record<string, unknown>): void {
  requireMessages(body);
  const max = body.max_tokens;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
    throw new InvalidRequestError("max_tokens: a positive integer is required by the Messages API.", 'max_tokens');
  }
}
