import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { drawTtftMs, type Behavior } from './behavior';

/** A complete answer that is not a reply: an error, a fault, a control endpoint's result. */
export interface Reply {
  status: number;
  /** JSON text, sent as is. */
  body: string;
  headers?: OutgoingHttpHeaders;
}

export function sendReply(res: ServerResponse, reply: Reply, headers: OutgoingHttpHeaders = {}): void {
  res
    .writeHead(reply.status, {
      ...headers,
      ...reply.headers,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(reply.body),
    })
    .end(reply.body);
}

/**
 * One request being answered under a behavior: paces the reply (time to first token, delay between
 * events), writes one `res.write` per stream event while honouring backpressure, and performs the
 * mid-stream cut. A zero delay never touches a timer, so an unpaced mock costs nothing but the writes.
 */
export class Exchange {
  #timer: NodeJS.Timeout | undefined;
  #clearsOnClose = false;

  constructor(
    readonly res: ServerResponse,
    readonly behavior: Behavior,
    /** Whether this request drew the behavior's faults; the only one left for the reply is the mid-stream cut. */
    readonly faulted: boolean,
    /** Headers every answer carries, e.g. the dialect's request id. */
    readonly headers: OutgoingHttpHeaders,
  ) {}

  /** Runs `fn` after `ms` milliseconds, at once when `ms` is 0; a closed response cancels it. */
  after(ms: number, fn: () => void): void {
    if (ms <= 0) return fn();
    if (!this.#clearsOnClose) {
      this.#clearsOnClose = true;
      this.res.once('close', () => clearTimeout(this.#timer));
    }
    this.#timer = setTimeout(fn, ms);
  }

  /** A whole JSON answer, after the time to first token. */
  json(reply: Reply): void {
    const body = this.#malformed ? reply.body.slice(0, Math.floor(reply.body.length / 2)) : reply.body;
    this.after(drawTtftMs(this.behavior), () => {
      if (!this.res.destroyed) sendReply(this.res, { ...reply, body }, this.headers);
    });
  }

  /** This request drew the malformed-answer fault. */
  get #malformed(): boolean {
    return this.faulted && this.behavior.faultMalformed;
  }

  /**
   * A `text/event-stream` of pre-framed events (each a complete `data: …\n\n` text). Headers go out at once
   * when the first event is delayed, as a provider's do while the model thinks. The last `closing` events
   * (finish, usage, end markers) follow the one before them without a delay: a provider sends them together
   * once generation has ended, however many a client asked for.
   */
  events(events: readonly string[], opts: { contentType?: string; closing?: number } = {}): void {
    const { contentType = 'text/event-stream; charset=utf-8', closing = 0 } = opts;
    const { res, behavior } = this;
    res.writeHead(200, { ...this.headers, 'content-type': contentType, 'cache-control': 'no-cache' });
    const cutAfter = this.faulted && behavior.faultMidstreamAfter !== null ? behavior.faultMidstreamAfter : -1;
    if (cutAfter === 0) return this.#cutAfterHeaders();
    const ttftMs = drawTtftMs(behavior);
    if (ttftMs > 0) res.flushHeaders();
    // The malformed-answer fault: the second event's JSON cut in half, as the stream's last event.
    const sent = this.#malformed && events.length > 1 ? [events[0]!, `${events[1]!.slice(0, Math.floor(events[1]!.length / 2))}\n\n`] : events;
    this.after(ttftMs, () => this.#pump(sent, cutAfter, events.length - closing));
  }

  /** Writes `events`, with the behavior's delay after each of the first `paced`. */
  #pump(events: readonly string[], cutAfter: number, paced: number): void {
    const { res } = this;
    const delay = this.behavior.chunkDelayMs;
    let i = 0;
    const resume = () => (delay > 0 && i < paced ? this.after(delay, step) : step());
    const step = (): void => {
      while (!res.destroyed) {
        if (i === events.length) {
          res.end();
          return;
        }
        const cut = i + 1 === cutAfter;
        const ok = res.write(events[i++], cut ? () => res.destroy() : undefined);
        if (cut) return;
        if (!ok) {
          res.once('drain', resume);
          return;
        }
        if (delay > 0 && i < paced) {
          this.after(delay, step);
          return;
        }
      }
    };
    step();
  }

  /** The client has the status and headers, then the connection dies: a provider crashing before its first token. */
  #cutAfterHeaders(): void {
    const { res } = this;
    res.flushHeaders();
    const socket = res.socket;
    if (!socket) return;
    socket.write('', () => socket.destroy());
  }
}
