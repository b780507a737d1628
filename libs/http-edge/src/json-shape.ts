import { InvalidRequestError } from '@aigw/contracts';

/** How much structure a JSON body may hold: what parsing it costs depends on this more than on its size. */
export interface JsonShapeLimits {
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
  /** Most arrays and objects in all; each is a heap object of its own once parsed. */
  maxContainers: number;
  /** Most values in all (array elements and object members, strings and numbers included). */
  maxElements: number;
}

/**
 * Defaults for an inference body: far beyond any real conversation, tool schema or batch of token ids
 * (OpenAI takes at most 300,000 tokens of embedding input), and small enough that parsing what passes
 * takes tens of milliseconds and tens of megabytes, where 32 MiB of `[]` took seconds and gigabytes.
 */
export const DEFAULT_JSON_SHAPE: JsonShapeLimits = { maxDepth: 64, maxContainers: 100_000, maxElements: 1_000_000 };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;

/**
 * Refuses a body whose structure is over `limits` before it is parsed, in one pass that allocates nothing:
 * strings are skipped with `Buffer#indexOf` (native), so a body of long texts or images costs little, and
 * the pass stops at the first limit passed, so a hostile body costs no more than the limit. It only counts;
 * whether the body is valid JSON is left to `JSON.parse`, and a broken body passes here to be refused there.
 */
export function checkJsonShape(body: Buffer, limits: JsonShapeLimits = DEFAULT_JSON_SHAPE): void {
  const { maxDepth, maxContainers, maxElements } = limits;
  let depth = 0;
  let containers = 0;
  let elements = 0;
  const end = body.length;
  for (let i = 0; i < end; i++) {
    const c = body[i];
    if (c === QUOTE) {
      i = closingQuote(body, i + 1);
      if (i < 0) return;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) throw tooDeep(maxDepth);
      if (++containers > maxContainers) throw tooMany(`arrays and objects`, maxContainers);
      if (++elements > maxElements) throw tooMany('values', maxElements);
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    } else if (c === COMMA) {
      if (++elements > maxElements) throw tooMany('values', maxElements);
    }
  }
}

/** Index of the quote that closes a string opened before `from`, or -1 when the body ends first. */
function closingQuote(body: Buffer, from: number): number {
  let at = from;
  for (;;) {
    const quote = body.indexOf(QUOTE, at);
    if (quote < 0) return -1;
    let backslashes = 0;
    for (let k = quote - 1; k >= from && body[k] === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return quote;
    at = quote + 1;
  }
}

function tooDeep(max: number): InvalidRequestError {
  return new InvalidRequestError(`The request body nests arrays and objects deeper than ${max} levels.`);
}

function tooMany(what: string, max: number): InvalidRequestError {
  return new InvalidRequestError(`The request body holds more than ${max.toLocaleString('en-US')} ${what}.`);
}
