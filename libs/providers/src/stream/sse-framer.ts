const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

/** Complete events found in the bytes pushed so far. */
export interface SseFrames {
  /** Complete events in arrival order, each with its terminating blank line, as views into `bytes`. */
  events: Buffer[];
  /** The complete events back to back, exactly as received (empty when there are none). */
  bytes: Buffer;
}

/** Raised when an event grows past `maxEventBytes` without ending, so that a broken upstream cannot exhaust memory. */
export class SseEventTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`An upstream event exceeded ${limitBytes} bytes without ending.`);
    this.name = 'SseEventTooLargeError';
  }
}

/**
 * Incremental Server-Sent Events framer: bytes in, complete events out. An event ends at a blank line
 * (`\n\n` or `\r\n\r\n`, mixed forms included); a partial event is held until the rest arrives. Events are
 * returned as they came, so forwarding `bytes` reproduces the upstream stream exactly. Nothing is decoded:
 * callers look into an event only when they need to.
 */
export class SseFramer {
  readonly #maxEventBytes: number;
  #held: Buffer = EMPTY;
  /** Where in `#held` to resume looking for a line end; bytes before it hold none that can end an event. */
  #scanFrom = 0;

  constructor(opts: { maxEventBytes?: number } = {}) {
    this.#maxEventBytes = opts.maxEventBytes ?? 8 * 1024 * 1024;
  }

  /** Bytes of a partial event waiting for its end. */
  get heldBytes(): number {
    return this.#held.length;
  }

  push(chunk: Buffer): SseFrames {
    const buf = this.#held.length === 0 ? chunk : Buffer.concat([this.#held, chunk]);
    const events: Buffer[] = [];
    let start = 0;
    let i = this.#scanFrom;
    let resumeAt = -1;
    while ((i = buf.indexOf(LF, i)) !== -1) {
      const next = buf[i + 1];
      let end = -1;
      if (next === LF) end = i + 2;
      else if (next === CR && buf[i + 2] === LF) end = i + 3;
      else if (next === undefined || (next === CR && i + 2 === buf.length)) {
        resumeAt = i;
        break;
      }
      if (end === -1) {
        i += 1;
      } else {
        events.push(buf.subarray(start, end));
        start = end;
        i = end;
      }
    }
    this.#hold(buf, start, resumeAt === -1 ? buf.length : resumeAt);
    return { events, bytes: start === 0 ? EMPTY : buf.subarray(0, start) };
  }

  /** Ends the input: returns what is held (an event the upstream never finished) and resets. */
  flush(): Buffer {
    const rest = this.#held;
    this.#held = EMPTY;
    this.#scanFrom = 0;
    return rest;
  }

  #hold(buf: Buffer, start: number, scanEnd: number): void {
    if (start === buf.length) {
      this.#held = EMPTY;
      this.#scanFrom = 0;
      return;
    }
    if (buf.length - start > this.#maxEventBytes) throw new SseEventTooLargeError(this.#maxEventBytes);
    // A copy, so that the held tail does not pin the whole upstream chunk in memory.
    this.#held = Buffer.from(buf.subarray(start));
    this.#scanFrom = scanEnd - start;
  }
}
