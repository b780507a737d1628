import { RequestRejected } from '../dialect';
import { invalidRequest } from './errors';

export type JsonObject = Record<string, unknown>;

/** How OpenAI names a JSON value's type in its messages. */
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a decimal';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function fail(message: string, param: string | null = null, code: string | null = null): never {
  throw new RequestRejected(invalidRequest(message, param, code));
}

export function wrongType(param: string, expected: string, got: unknown): never {
  fail(`Invalid type for '${param}': expected ${expected}, but got ${typeName(got)} instead.`, param, 'invalid_type');
}

export function missing(param: string): never {
  fail(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
}

export function invalidValue(param: string, got: unknown, supported: readonly string[]): never {
  const list = supported.map((s) => `'${s}'`).join(', ');
  fail(`Invalid value: '${String(got)}'. Supported values are: ${list}.`, param, 'invalid_value');
}

/** The request body must be a JSON object. */
export function requireBody(body: unknown): JsonObject {
  if (!isObject(body)) {
    fail(`Invalid type for request body: expected an object, but got ${typeName(body)} instead.`, null, 'invalid_type');
  }
  return body;
}

/** `model`, with OpenAI's own wording when it is absent. */
export function requireModel(body: JsonObject): string {
  const model = body.model;
  if (model === undefined || model === null || model === '') fail('you must provide a model parameter');
  if (typeof model !== 'string') wrongType('model', 'a string', model);
  return model;
}

export function optionalBoolean(body: JsonObject, param: string): boolean | undefined {
  const v = body[param];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') wrongType(param, 'a boolean', v);
  return v;
}

export function optionalInteger(body: JsonObject, param: string, min: number, max: number): number | undefined {
  const v = body[param];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) wrongType(param, 'an integer', v);
  if (v < min) {
    fail(`Invalid '${param}': integer below minimum value. Expected a value >= ${min}, but got ${v} instead.`, param, 'integer_below_min_value');
  }
  if (v > max) {
    fail(`Invalid '${param}': integer above maximum value. Expected a value <= ${max}, but got ${v} instead.`, param, 'integer_above_max_value');
  }
  return v;
}

/** A number within [min, max], as OpenAI checks its sampling parameters (`temperature`, `top_p`, the penalties). */
export function optionalDecimal(body: JsonObject, param: string, min: number, max: number): number | undefined {
  const v = body[param];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') wrongType(param, 'a decimal', v);
  if (v < min) {
    fail(`Invalid '${param}': decimal below minimum value. Expected a value >= ${min}, but got ${v} instead.`, param, 'decimal_below_min_value');
  }
  if (v > max) {
    fail(`Invalid '${param}': decimal above maximum value. Expected a value <= ${max}, but got ${v} instead.`, param, 'decimal_above_max_value');
  }
  return v;
}

type Range = readonly [param: string, min: number, max: number];
const TEMPERATURE: Range = ['temperature', 0, 2];
const TOP_P: Range = ['top_p', 0, 1];

/** OpenAI's ranges for the sampling parameters of chat completions and of the Responses API. */
export const CHAT_SAMPLING: readonly Range[] = [TEMPERATURE, TOP_P, ['frequency_penalty', -2, 2], ['presence_penalty', -2, 2]];
export const RESPONSES_SAMPLING: readonly Range[] = [TEMPERATURE, TOP_P];

/** Checks the sampling parameters a body sets; the mock's answers do not depend on them. */
export function checkSampling(body: JsonObject, ranges: readonly Range[]): void {
  for (const [param, min, max] of ranges) optionalDecimal(body, param, min, max);
}
