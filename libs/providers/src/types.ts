import type { Deployment, OpenAIErrorBody, ProviderKind } from '@aigw/contracts';

/**
 * What the proxy needs to know about one upstream wire format. The proxy calls these functions and never
 * compares provider names, so adding a provider means adding an adapter folder and a registry entry.
 *
 * Each `Operation` is one client API (OpenAI's chat completions, embeddings and responses, Anthropic's
 * messages), and every adapter answers every operation: natively when the client and the upstream speak
 * the same format (the request is rewritten, the response passes through byte for byte), by translation
 * otherwise (`PreparedRequest.translation`), or not at all (`unsupported` says why, before any call).
 */
export interface ProviderAdapter {
  kind: ProviderKind;
  /** Where the provider's public API lives (what a config's `baseUrl` normally is); none for Azure's per-resource hosts. */
  defaultBaseUrl?: string;
  /** Request headers for the upstream, carrying the credential the way this provider expects it. */
  headers(credential: string | undefined): Record<string, string>;
  /**
   * Turns an upstream error answer (any status, any body) into OpenAI's error object, the gateway's one
   * internal error shape; the proxy renders it in the client's format (`clientFormats`).
   */
  normalizeError(status: number, body: Buffer): OpenAIErrorBody;
  chat: OperationAdapter;
  embeddings: OperationAdapter;
  responses: OperationAdapter;
  messages: OperationAdapter;
  /** How the provider counts a prompt's input tokens itself, per client API; without one the gateway counts. */
  tokenCounters?: Partial<Record<CountedApi, TokenCounter>>;
}

/**
 * The client APIs whose prompts the gateway counts: `messages`, the body of Anthropic's `count_tokens` (a
 * Messages body without `max_tokens`); `responses`, the body of OpenAI's `responses/input_tokens`.
 */
export type CountedApi = 'messages' | 'responses';

/** A provider's own count of a prompt's input tokens. */
export interface TokenCounter {
  /** The upstream call counting `body` for `deployment`. */
  prepare(body: ClientBody, deployment: Deployment): { path: string; body: string };
  /** The input tokens of a 2xx answer; throws `UpstreamError` when it is not what the API documents. */
  readCount(answer: Buffer): number;
}

/** The client APIs the proxy serves; one `OperationAdapter` each per provider. */
export type Operation = 'chat' | 'embeddings' | 'responses' | 'messages';

export interface OperationAdapter {
  /**
   * Why this deployment cannot serve the client's body (a parameter its API cannot express, an input its
   * model does not take), or undefined when it can. Cheap, and called before any upstream call.
   */
  unsupported(body: ClientBody, deployment: Deployment): Unsupported | undefined;
  /**
   * The upstream request for the client's parsed body, aimed at `deployment`. Throws `InvalidRequestError`
   * (naming the parameter) for a body it cannot translate.
   */
  prepare(body: ClientBody, deployment: Deployment): PreparedRequest;
  /** Usage of a complete untranslated (non-stream) response body, without parsing all of it; undefined if it has none. */
  readUsage(body: Buffer): TokenUsage | undefined;
  /**
   * Usage carried by one complete untranslated SSE event (as `SseFramer` yields it), or undefined if the
   * event carries none. Cheap for the events without usage: they are not parsed. A provider that reports
   * usage over several events (Anthropic: input at the start, output at the end) merges them into
   * `previous`, the usage found so far.
   */
  readEventUsage(event: Buffer, previous?: TokenUsage): EventUsage | undefined;
  /**
   * What one complete untranslated SSE event means for the end of the stream: `done` for the format's
   * final event (`data: [DONE]`, `message_stop`, `response.completed`), `error` for an in-band error event,
   * undefined for any other. An untranslated stream that ends without `done` was cut off. Cheap: a look at
   * the event's first bytes, never a parse.
   */
  streamEnd(event: Buffer): StreamEnd | undefined;
}

/** How an event ends a stream (`OperationAdapter.streamEnd`). */
export type StreamEnd = 'done' | 'error';

/** A client request body: a JSON object, already parsed once by the proxy. */
export type ClientBody = Readonly<Record<string, unknown>>;

/** A request a deployment cannot serve, in words the client can act on. */
export interface Unsupported {
  /** The request parameter at fault, e.g. `n` or `messages[0].content[1]`. */
  param: string | null;
  /** Names the parameter and the provider, e.g. "'n' greater than 1 is not supported by anthropic". */
  message: string;
}

export interface PreparedRequest {
  /** Path (and query) of the call, appended to the deployment's `baseUrl`, e.g. `/chat/completions`. */
  path: string;
  /** Serialized upstream request body. */
  body: string;
  /** Whether the client asked for a streamed response. */
  stream: boolean;
  /**
   * True when the adapter asked the upstream for a usage event the client did not ask for; the proxy then
   * keeps usage-only events (`EventUsage.usageOnly`) from the client.
   */
  usageAdded: boolean;
  /** Present when the upstream answers in another format than the client's: the response is translated. */
  translation?: ResponseTranslation;
}

/** Turns one upstream answer into the client's format; made by `prepare`, so it knows the client's request. */
export interface ResponseTranslation {
  /** A complete 2xx body; throws `UpstreamError` when the upstream's body is not what its API documents. */
  body(upstream: Buffer): TranslatedBody;
  /** A fresh translator for a 2xx event stream. */
  stream(): StreamTranslator;
}

export interface TranslatedBody {
  /** The client's response body, JSON text. */
  body: string;
  usage: TokenUsage | undefined;
}

/**
 * An upstream event stream turned into the client's, one complete upstream SSE event at a time. Each call
 * returns the client's SSE text for it (often empty). Throws `UpstreamError` when the upstream sends an
 * error event, malformed data, or ends before its terminal event: the proxy then ends the client's stream
 * with an in-band error in the client's format.
 */
export interface StreamTranslator {
  push(event: Buffer): string;
  /** The upstream stream ended: the client's closing events. */
  end(): string;
  /** Usage reported so far, merged over the stream. */
  readonly usage: TokenUsage | undefined;
}

/** Token counts of one request, as the gateway bills them. */
export interface TokenUsage {
  /** Input tokens, cached ones included. */
  promptTokens: number;
  /** Output tokens (0 for embeddings). */
  completionTokens: number;
  /** Input tokens served from the provider's prompt cache (part of `promptTokens`). */
  cachedTokens: number;
  /** Output tokens spent on hidden reasoning (part of `completionTokens`), when the provider reports them. */
  reasoningTokens?: number;
}

export interface EventUsage {
  usage: TokenUsage;
  /** The event carries nothing but usage (no choices), so it can be withheld from a client that did not ask for it. */
  usageOnly: boolean;
}


export type { OpenAIErrorBody };
