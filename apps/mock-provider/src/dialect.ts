import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Behavior } from './behavior';
import type { Exchange, Reply } from './exchange';

/** A request that passed validation and waits to be answered under the behavior its model selects. */
export interface Accepted {
  /** The model the request names; selects the per-model behavior. */
  model: string | undefined;
  respond(exchange: Exchange): void;
}

export interface Route {
  /** Metric label, e.g. `openai.chat.completions`. */
  name: string;
  method: 'GET' | 'POST';
  /** An exact path, or a pattern whose capture groups become `params`. */
  path: string | RegExp;
  /**
   * Validates the parsed JSON body (undefined for GET), the query string and the headers; throws
   * `RequestRejected` with the error to send.
   */
  accept(body: unknown, params: readonly string[], query: URLSearchParams, headers: IncomingHttpHeaders): Accepted;
}

/**
 * One provider's wire format: its routes, how it authenticates, and how its errors look. The server is
 * generic and asks the dialect of the matched route for everything provider-specific.
 */
export interface Dialect {
  name: string;
  /** Path prefix of all its routes (e.g. `/anthropic`), so that unknown paths under it get its 404; none for OpenAI's `/v1`. */
  prefix?: string;
  routes: readonly Route[];
  /** Headers every answer carries, such as the provider's request id. */
  responseHeaders(): OutgoingHttpHeaders;
  /** The error to send when the caller's credential is missing or wrong, else undefined. */
  authenticate(headers: IncomingHttpHeaders): Reply | undefined;
  invalidJson(): Reply;
  bodyTooLarge(limitBytes: number): Reply;
  notFound(method: string, path: string): Reply;
  /** The injected `faultStatus` answer, in the provider's error format. */
  fault(status: number, behavior: Behavior): Reply;
}

/** A request the dialect refuses; carries the answer, already in the dialect's error format. */
export class RequestRejected extends Error {
  constructor(readonly reply: Reply) {
    super(`request rejected with ${reply.status}`);
    this.name = 'RequestRejected';
  }
}
