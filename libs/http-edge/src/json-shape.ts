import { InvalidJsonError, InvalidRequestError } from '@aigw/contracts';

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
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Holds a JSON body's structure to `limits` while it arrives, chunk by chunk, before anything is parsed:
 * a hostile body is refused after the few kilobytes that pass a limit, without being buffered whole.
 * It allocates nothing; strings are skipped with `Buffer#indexOf` (native), so long texts and images cost
 * little. It only counts, and refuses a control character outside strings (never valid JSON); whether the
 * body is valid JSON is otherwise left to `JSON.parse`.
 */
export class JsonShapeScanner {
  readonly #limits: JsonShapeLimits;
  #depth = 0;
  #containers = 0;
  #elements = 0;
  #offset = 0;
  #inString = false;
  /** Inside a string, whether the backslashes that ended the last chunk escape the next byte (an odd run). */
  #escapePending = false;

  constructor(limits: JsonShapeLimits = DEFAULT_JSON_SHAPE) {
    this.#limits = limits;
  }

  /** Scans the next chunk; throws `InvalidRequestError` (a limit) or `InvalidJsonError` (a control character). */
  feed(chunk: Buffer): void {
    const { maxDepth, maxContainers, maxElements } = this.#limits;
    const end = chunk.length;
    let i = 0;
    while (i < end) {
      if (this.#inString) {
        i = this.#skipString(chunk, i);
        continue;
      }
      const c = chunk[i]!;
      if (c === QUOTE) {
        this.#inString = true;
      } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
        if (++this.#depth > maxDepth) throw tooDeep(maxDepth);
        if (++this.#containers > maxContainers) throw tooMany('arrays and objects', maxContainers);
        if (++this.#elements > maxElements) throw tooMany('values', maxElements);
      } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
        this.#depth--;
      } else if (c === COMMA) {
        if (++this.#elements > maxElements) throw tooMany('values', maxElements);
      } else if (c < SPACE && c !== TAB && c !== LF && c !== CR) {
        throw new InvalidJsonError(`The request body is not valid JSON: a control character (0x${c.toString(16).padStart(2, '0')}) at byte ${this.#offset + i}.`);
      }
      i++;
    }
    this.#offset += end;
  }

  /** From `from`, inside a string: the index just past its closing quote, or the chunk's end. */
  #skipString(chunk: Buffer, from: number): number {
    let at = from;
    for (;;) {
      const quote = chunk.indexOf(QUOTE, at);
      const stop = quote < 0 ? chunk.length : quote;
      let backslashes = 0;
      for (let k = stop - 1; k >= at && chunk[k] === BACKSLASH; k--) backslashes++;
      // A run of backslashes that starts the chunk continues the one that ended the last.
      const odd = (backslashes % 2 === 1) !== (backslashes === stop - at && this.#escapePending);
      if (quote < 0) {
        this.#escapePending = odd;
        return chunk.length;
      }
      this.#escapePending = false;
      if (!odd) {
        this.#inString = false;
        return quote + 1;
      }
      at = quote + 1;
    }
  }
}

function tooDeep(max: number): InvalidRequestError {
  return new InvalidRequestError(`The request body nests arrays and objects deeper than ${max} levels.`);
}

function tooMany(what: string, max: number): InvalidRequestError {
  return new InvalidRequestError(`The request body holds more than ${max.toLocaleString('en-US')} ${what}.`);
}
