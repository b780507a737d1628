import { z } from 'zod';
import { Subjects } from '../subjects';

/** Where token counts came from. */
export const UsageSource = z.enum([
  /** Reported by the upstream provider. */
  'upstream',
  /** Not reported (e.g. the stream was cut); none were counted. */
  'none',
]);

/**
 * One finished request's usage (schema version 1). Published once per request with `Nats-Msg-Id` = `id`.
 */
export const UsageRecorded = z.object({
  v: z.literal(1),
  /** Request id; also the JetStream message id. */
  id: z.string().min(1),
  /** When the request finished, ISO 8601 UTC. */
  ts: z.string().datetime(),
  tenantId: z.string(),
  /** Key id, never the secret. */
  keyId: z.string(),
  /** Model alias the client asked for. */
  model: z.string(),
  /** Model the upstream served. */
  servedModel: z.string(),
  provider: z.string(),
  deploymentId: z.string(),
  operation: z.enum(['chat.completions', 'embeddings']),
  stream: z.boolean(),
  /** HTTP status sent to the client (200 for a stream that broke after it started). */
  status: z.number().int(),
  /** True when the response did not complete (upstream failure mid-stream or client gone). */
  incomplete: z.boolean(),
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  /** Prompt tokens served from the provider's cache (part of promptTokens). */
  cachedTokens: z.number().int().nonnegative(),
  usageSource: UsageSource,
  /** Request start to last byte, number of milliseconds. */
  latencyMs: z.number().nonnegative(),
  /** Request start to first byte sent to the client, number of milliseconds; null if none was sent. */
  ttftMs: z.number().nonnegative().nullable(),
});
export type UsageRecorded = z.infer<typeof UsageRecorded>;

export const UsageRecordedEvent = { subject: Subjects.usageRecorded, schema: UsageRecorded } as const;
