import type { Deployment, ProviderKind } from '@aigw/contracts';

/**
 * What the proxy needs to know about one upstream wire format. The proxy calls these functions and never
 * compares provider names, so adding a provider means adding an adapter folder and a registry entry.
 *
 * Clients speak OpenAI's wire format (the ingress). An adapter whose upstream speaks the same format only
 * rewrites the request (`prepare`) and reads usage; responses pass through byte for byte. A provider with
 * another wire format (Anthropic, Gemini) will add response translation hooks to `OperationAdapter`, and a
 * non-OpenAI ingress will add a request translation step in front of `prepare`: both fit around these
 * functions without changing their signatures.
 */
export interface ProviderAdapter {
  kind: ProviderKind;
  /** Request headers for the upstream, carrying the credential the way this provider expects it. */
  headers(credential: string | undefined): Record<string, string>;
  /**
   * Turns an upstream error answer (any status, any body) into OpenAI's error object, so that the client
   * sees one error shape whatever the upstream sent.
   */
  normalizeError(status: number, body: Buffer): OpenAIErrorBody;
  chat: OperationAdapter;
  embeddings: OperationAdapter;
}

/** The operations the proxy serves; one `OperationAdapter` each. */
export type Operation = 'chat' | 'embeddings';

export interface OperationAdapter {
  /** Path of the operation, appended to the deployment's `baseUrl` (e.g. `/chat/completions`). */
  path: string;
  /** The upstream request body for the client's parsed body, aimed at `deployment`. */
  prepare(body: ClientBody, deployment: Deployment): PreparedRequest;
  /** Usage of a complete (non-stream) response body, without parsing all of it; undefined if it has none. */
  readUsage(body: Buffer): TokenUsage | undefined;
  /**
   * Usage carried by one complete SSE event (as `SseFramer` yields it), or undefined if the event carries
   * none. Cheap for the events without usage: they are not parsed.
   */
  readEventUsage(event: Buffer): EventUsage | undefined;
}

/** A client request body: a JSON object, already parsed once by the proxy. */
export type ClientBody = Readonly<Record<string, unknown>>;

export interface PreparedRequest {
  /** Serialized upstream request body. */
  body: string;
  /** Whether the client asked for a streamed response. */
  stream: boolean;
  /**
   * True when the adapter asked the upstream for a usage event the client did not ask for; the proxy then
   * keeps usage-only events (`EventUsage.usageOnly`) from the client.
   */
  usageAdded: boolean;
}

/** Token counts of one request, as the gateway bills them. */
export interface TokenUsage {
  /** Input tokens, cached ones included. */
  promptTokens: number;
  /** Output tokens (0 for embeddings). */
  completionTokens: number;
  /** Input tokens served from the provider's prompt cache (part of `promptTokens`). */
  cachedTokens: number;
}

export interface EventUsage {
  usage: TokenUsage;
  /** The event carries nothing but usage (no choices), so it can be withheld from a client that did not ask for it. */
  usageOnly: boolean;
}

/** OpenAI's error object, the only error shape clients see. */
export interface OpenAIErrorBody {
  error: {
    message: string;
    /** e.g. `invalid_request_error`, `server_error`, `requests`. */
    type: string;
    /** The request parameter at fault, if any. */
    param: string | null;
    /** Machine-readable code, e.g. `model_not_found`, `rate_limit_exceeded`. */
    code: string | null;
  };
}
