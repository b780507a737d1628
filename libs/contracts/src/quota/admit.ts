import { z } from 'zod';
import { Limits } from './limits';
import { Subjects } from '../subjects';

/** State of one limit after a decision, as OpenAI's `x-ratelimit-*` headers report it. */
export const LimitState = z.object({
  /** The limit, per window. */
  limit: z.number().int().nonnegative(),
  /** What is left in the window after this decision. */
  remaining: z.number().int().nonnegative(),
  /** Time until the window has room again, number of milliseconds. */
  resetMs: z.number().int().nonnegative(),
});
export type LimitState = z.infer<typeof LimitState>;

export const Admit = {
  subject: Subjects.quotaAdmit,
  service: 'quota',
  Request: z.object({
    requestId: z.string().min(1),
    keyId: z.string().min(1),
    tenantId: z.string().min(1),
    /** The model alias asked for. */
    model: z.string(),
    /** The tenant's tier (principal.tier). */
    tier: z.string().optional(),
    /** Per-key overrides from the principal; the quota service's defaults apply otherwise. */
    limits: Limits,
    /** Tenant overrides from the principal. */
    tenantLimits: Limits.optional(),
  }),
  Response: z.object({
    admitted: z.boolean(),
    /** Requests-per-minute window. */
    requests: LimitState,
    /** When refused: seconds until a retry can succeed. */
    retryAfterS: z.number().int().nonnegative().optional(),
    /** When refused: which limit was hit, in words a person understands. */
    reason: z.string().optional(),
  }),
} as const;
export type AdmitRequest = z.infer<typeof Admit.Request>;
export type AdmitResponse = z.infer<typeof Admit.Response>;
