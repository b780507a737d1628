import { z } from 'zod';
import { Subjects } from '../subjects';

/** Where the token counts of a usage event came from. */
export const UsageSource = z.enum([
  /** Reported by the upstream provider. */
  'upstream',
  /** The upstream reported none (e.g. the stream was cut): the gateway counted what it sent and received with a tokenizer. */
  'gateway',
  /** Not reported and not counted (nothing reached the client, or nothing countable was exchanged). */
  'none',
]);
export type UsageSource = z.infer<typeof UsageSource>;

const tokens = z.number().int().nonnegative();

/**
 * One finished request's usage. Published once per request on `usage.v1.recorded` with
 * `Nats-Msg-Id` = `id`, so that a repeated publish is stored once.
 *
 * Schema version 1. Fields added since the first release (`reasoningTokens`, `cacheHit`, `traceId`) are
 * optional, and absent means 0 / false / untraced, so events written before them still parse and mean
 * what they meant. The `gateway` usage source is new too: upgrade consumers before producers. A change
 * that alters the meaning of an existing field needs `v: 2` on a `usage.v2.recorded` subject.
 */
export const UsageRecorded = z.object({
  v: z.literal(1),
  /** Request id; also the JetStream message id. */
  id: z.string().min(1),
  /** When the request finished, ISO 8601 UTC. Aggregates and prices use this time. */
  ts: z.string().datetime(),
  tenantId: z.string(),
  /** Key id, never the secret. */
  keyId: z.string(),
  /** Model alias the client asked for. */
  model: z.string(),
  /** Model the upstream served (the deployment's upstream model name); prices are looked up by it. */
  servedModel: z.string(),
  /** Provider id of the deployment that served the request. */
  provider: z.string(),
  deploymentId: z.string(),
  /** The client API called: OpenAI's chat completions, embeddings or responses, or Anthropic's messages. */
  operation: z.enum(['chat.completions', 'embeddings', 'responses', 'messages']),
  stream: z.boolean(),
  /** HTTP status sent to the client (200 for a stream that broke after it started). */
  status: z.number().int(),
  /** True when the response did not complete (upstream failure mid-stream or client gone). */
  incomplete: z.boolean(),
  /** Input tokens, cached ones included. */
  promptTokens: tokens,
  /** Output tokens, reasoning ones included. */
  completionTokens: tokens,
  /** Prompt tokens served from the provider's cache (part of `promptTokens`). */
  cachedTokens: tokens,
  /** Completion tokens spent on hidden reasoning (part of `completionTokens`); absent means 0. */
  reasoningTokens: tokens.optional(),
  usageSource: UsageSource,
  /** True when the gateway answered from its own response cache without calling the upstream; absent means false. */
  cacheHit: z.boolean().optional(),
  /** W3C trace id of the request (32 lowercase hex digits), when it was traced. */
  traceId: z.string().min(1).optional(),
  /** Request start to last byte, number of milliseconds. */
  latencyMs: z.number().nonnegative(),
  /** Request start to first byte sent to the client, number of milliseconds; null if none was sent. */
  ttftMs: z.number().nonnegative().nullable(),
});
export type UsageRecorded = z.infer<typeof UsageRecorded>;

export const UsageRecordedEvent = { subject: Subjects.usageRecorded, schema: UsageRecorded } as const;
