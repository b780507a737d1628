import { InvalidJsonError, InvalidRequestError, requireIdentifier } from '@aigw/contracts';

/**
 * The body parsed once; it must be a JSON object. Its structure was held to the shape limits while it
 * arrived (`readJsonBody`), so no body within the size limit can make parsing, or any walk over the
 * result, cost more than those limits allow.
 */
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

/**
 * `model` is a non-empty string of printable characters, at most `MAX_IDENTIFIER_CHARS` long; returns it.
 * Anything else is refused here, before it reaches logs, the bus and the router.
 */
export function requireModel(body: Record<string, unknown>): string {
  const model = body.model;
  if (typeof model !== 'string' || model.length === 0) {
    throw new InvalidRequestError('You must provide a model parameter: a non-empty string.', 'model');
  }
  return requireIdentifier(model, 'model');
}

/** How OpenAI names a JSON value's type in its errors ("but got a string instead"). */
function openaiTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Chat Completions' `messages`, refused in OpenAI's words. */
export function requireMessages(body: Record<string, unknown>): void {
  const { messages } = body;
  if (messages === undefined) throw new InvalidRequestError("Missing required parameter: 'messages'.", 'messages');
  if (!Array.isArray(messages)) {
    throw new InvalidRequestError(`Invalid type for 'messages': expected an array, but got ${openaiTypeName(messages)} instead.`, 'messages');
  }
  if (messages.length === 0) {
    throw new InvalidRequestError("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'messages');
  }
}

export function requireInput(body: Record<string, unknown>): void {
  if (body.input === undefined || body.input === null) {
    throw new InvalidRequestError("Missing required parameter: 'input'.", 'input');
  }
}

/** Anthropic's `messages` (of a message or of a token count), whatever provider serves it, refused in Anthropic's words. */
export function requireAnthropicMessages(body: Record<string, unknown>): void {
  const { messages } = body;
  if (messages === undefined) throw new InvalidRequestError('messages: Field required', 'messages');
  if (!Array.isArray(messages)) throw new InvalidRequestError('messages: Input should be a valid list', 'messages');
  if (messages.length === 0) throw new InvalidRequestError('messages: at least one message is required', 'messages');
}

/** Anthropic's Messages API: `messages`, and the `max_tokens` it requires, refused in Anthropic's words. */
export function requireMessagesAndMaxTokens(body: Record<string, unknown>): void {
  requireAnthropicMessages(body);
  const max = body.max_tokens;
  if (max === undefined) throw new InvalidRequestError('max_tokens: Field required', 'max_tokens');
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
    throw new InvalidRequestError('max_tokens: Input should be a valid integer greater than or equal to 1', 'max_tokens');
  }
}

/** Largest completion size a request may name, number of tokens: the upstream refuses what its model cannot give. */
export const MAX_OUTPUT_TOKENS = 2 ** 31 - 1;
/** Most completions one request may ask for (OpenAI's limit on `n`). */
export const MAX_CHOICES = 128;

/** Parameters that bound a completion's size, by the API that names them. */
const OUTPUT_SIZE_PARAMS = ['max_tokens', 'max_completion_tokens', 'max_output_tokens'] as const;

function requireIntegerIn(body: Record<string, unknown>, param: string, min: number, max: number): void {
  const value = body[param];
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new InvalidRequestError(`Invalid type for '${param}': expected an integer, but got ${openaiTypeName(value)} instead.`, param);
  }
  if (value < min) throw new InvalidRequestError(`Invalid '${param}': integer below minimum value. Expected a value >= ${min}, but got ${value} instead.`, param);
  if (value > max) throw new InvalidRequestError(`Invalid '${param}': integer above maximum value. Expected a value <= ${max}, but got ${value} instead.`, param);
}

/**
 * The parameters that size what the upstream produces (and so what quota reserves): whole numbers in range,
 * refused here in OpenAI's words. `n` multiplies the completion; a size past `MAX_OUTPUT_TOKENS` could only
 * be refused by the upstream after quota had counted it.
 */
export function requireOutputBounds(body: Record<string, unknown>): void {
  for (const param of OUTPUT_SIZE_PARAMS) requireIntegerIn(body, param, 1, MAX_OUTPUT_TOKENS);
  requireIntegerIn(body, 'n', 1, MAX_CHOICES);
}
