/**
 * Byte-level look-ups in JSON text, for reading one small value out of a large body without parsing all
 * of it. Safe on UTF-8: the bytes searched for (quotes, braces, backslash, whitespace) never occur inside
 * a multi-byte character.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipSpace(buf: Buffer, i: number): number {
  while (isSpace(buf[i])) i += 1;
  return i;
}

/** `"name"` as bytes, for the look-ups below. */
export function jsonKey(name: string): Buffer {
  return Buffer.from(JSON.stringify(name));
}

/**
 * Start of the object value of the key at `at`, or -1 when the match is not a key (its opening quote is
 * escaped, or no colon follows) or its value is not an object (`null`, a number, ...).
 */
function objectValueStart(buf: Buffer, key: Buffer, at: number): number {
  if (at > 0 && buf[at - 1] === BACKSLASH) return -1;
  let i = skipSpace(buf, at + key.length);
  if (buf[i] !== COLON) return -1;
  i = skipSpace(buf, i + 1);
  return buf[i] === LBRACE ? i : -1;
}

/** End (exclusive) of the balanced object starting at `start`, or -1 if the text ends first. */
function objectEnd(buf: Buffer, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < buf.length; i += 1) {
    const c = buf[i];
    if (inString) {
      if (c === BACKSLASH) i += 1;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === LBRACE) {
      depth += 1;
    } else if (c === RBRACE) {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

function parseObjectAt(buf: Buffer, start: number): unknown {
  const end = objectEnd(buf, start);
  if (end === -1) return undefined;
  try {
    return JSON.parse(buf.toString('utf8', start, end));
  } catch {
    return undefined;
  }
}

/** The object value of the LAST occurrence of `key` that has an object value, parsed; undefined if none. */
export function lastObjectValue(buf: Buffer, key: Buffer): unknown {
  for (let at = buf.lastIndexOf(key); at !== -1; at = at === 0 ? -1 : buf.lastIndexOf(key, at - 1)) {
    const start = objectValueStart(buf, key, at);
    if (start !== -1) return parseObjectAt(buf, start);
  }
  return undefined;
}

/** Whether `key` occurs with an object value (not `null`): the cheap test before parsing anything. */
export function hasObjectValue(buf: Buffer, key: Buffer): boolean {
  for (let at = buf.indexOf(key); at !== -1; at = buf.indexOf(key, at + key.length)) {
    if (objectValueStart(buf, key, at) !== -1) return true;
  }
  return false;
}

/**
 * Whether `buf` is shaped like one complete JSON object: `{` first and `}` last, whitespace aside. Not a
 * validation (nothing in between is read), but it tells a truncated body from a whole one at no cost.
 */
export function looksLikeJsonObject(buf: Buffer): boolean {
  let start = 0;
  let end = buf.length - 1;
  while (start <= end && isSpace(buf[start])) start += 1;
  while (end >= start && isSpace(buf[end])) end -= 1;
  return start < end && buf[start] === LBRACE && buf[end] === RBRACE;
}
