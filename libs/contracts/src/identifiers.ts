import { z } from 'zod';
import { InvalidRequestError } from './errors/gateway-error';

/** Longest identifier (model alias, tenant id, key id, claim value) accepted where one enters, number of characters. */
export const MAX_IDENTIFIER_CHARS = 256;

/**
 * Characters no identifier may hold: C0 and C1 controls (CR and LF among them), DEL, the Unicode line and
 * paragraph separators, and lone UTF-16 surrogates. Such a character in a model name or a tenant id can
 * only be an attack or a mistake, and would otherwise travel on into headers, logs and Redis keys.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether `value` is a usable identifier: 1 to `maxChars` printable characters. */
export function isIdentifier(value: string, maxChars = MAX_IDENTIFIER_CHARS): boolean {
  return value.length > 0 && value.length <= maxChars && !UNPRINTABLE.test(value);
}

/**
 * Checks an identifier where it enters the gateway; returns it. Refused with a 400 naming `param`, and with
 * no echo of the value, which may be anything.
 */
export function requireIdentifier(value: unknown, param: string, maxChars = MAX_IDENTIFIER_CHARS): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidRequestError(`Invalid '${param}': expected a non-empty string.`, param);
  }
  if (value.length > maxChars) throw new InvalidRequestError(`Invalid '${param}': longer than ${maxChars} characters.`, param);
  if (UNPRINTABLE.test(value)) {
    throw new InvalidRequestError(`Invalid '${param}': it holds a control character or malformed Unicode.`, param);
  }
  return value;
}

/** An identifier in a message schema: services refuse a request that carries anything else (`contract_violation`). */
export const Identifier = z.string().refine((value) => isIdentifier(value), 'not an identifier: 1 to 256 printable characters');

/** Display text (names, label values): printable, like an identifier, but free in its characters otherwise. */
export const PrintableText = (maxChars: number) =>
  z.string().refine((value) => value === '' || isIdentifier(value, maxChars), `not printable text of at most ${maxChars} characters`);
