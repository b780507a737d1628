import { z } from 'zod';
import { Subjects } from '../subjects';

/**
 * An upstream attempt began (schema version 1). Core NATS, no persistence: every router replica subscribes
 * (no queue group) and counts the attempt as in flight until its `attempt-finished` arrives.
 */
export const AttemptStarted = z.object({
  v: z.literal(1),
  /** Request id of the proxy. */
  requestId: z.string().min(1),
  /** 1 for the first attempt of the request, 2 for the first retry, and so on. */
  attempt: z.number().int().positive(),
  deploymentId: z.string().min(1),
  /** Estimated prompt size, number of tokens; counts against the deployment's tokens-per-minute capacity. */
  promptTokens: z.number().int().nonnegative().optional(),
  /** When the attempt began, Unix time in milliseconds. */
  ts: z.number().int().nonnegative(),
});
export type AttemptStarted = z.infer<typeof AttemptStarted>;

export const AttemptStartedEvent = { subject: Subjects.routerAttemptStarted, schema: AttemptStarted } as const;
