import { z } from 'zod';

/**
 * An upstream attempt began: an entry of `router.v1.attempts-reported`. Every router replica counts the
 * attempt as in flight until its end is reported.
 */
export const AttemptStarted = z.object({
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
