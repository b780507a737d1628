import { z } from 'zod';
import { Limits } from './limits';
import { Identifier } from '../identifiers';
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

/** The kinds of limit a refusal names; OpenAI's error `type` for rate limits uses the first two. */
export const RefusedLimit = z.enum([
  /** Requests per minute or per day. */
  'requests',
  /** Tokens per minute. */
  'tokens',
  /** Requests in flight at once. */
  'concurrency',
  /** A daily or monthly spend budget. */
  'budget',
]);
export type RefusedLimit = z.infer<typeof RefusedLimit>;

export const Admit = {
  subject: Subjects.quotaAdmit,
  service: 'quota',
  Request: z.object({
    requestId: Identifier,
    keyId: Identifier,
    tenantId: Identifier,
    /** The model alias asked for. */
    model: Identifier,
    /** The tenant's tier (principal.tier). */
    tier: Identifier.optional(),
    /** Per-key overrides from the principal; the quota service's defaults apply otherwise. */
    limits: Limits,
    /** Tenant overrides from the principal. */
    tenantLimits: Limits.optional(),
    /** Prompt tokens as the proxy counted them; reserved against tokens per minute and budgets. */
    promptTokens: z.number().int().nonnegative().optional(),
    /**
     * The most completion tokens the request allows (`max_tokens` / `max_completion_tokens`; 0 for
     * embeddings). Unset: quota reserves its configured `defaultMaxTokens`, and charges any overrun later.
     */
    maxTokens: z.number().int().nonnegative().optional(),
    /** Completions the request asks for (OpenAI's `n`): completion tokens are reserved for each. Unset: 1. */
    choices: z.number().int().min(1).max(128).optional(),
  }),
  Response: z.object({
    admitted: z.boolean(),
    /** Requests-per-minute window (the scope with the least room). */
    requests: LimitState,
    /** Tokens-per-minute window (the scope with the least room); absent when no scope limits tokens. */
    tokens: LimitState.optional(),
    /** When refused: the kind of limit that was hit. */
    limit: RefusedLimit.optional(),
    /**
     * When admitted into a concurrency limit: the request holds a lease of this many milliseconds. Renew
     * it while the request runs (`quota.v1.renew`) and release it when it ends (`quota.v1.release`).
     * Absent otherwise: then only a request that ends without a usage event is released (to refund it).
     */
    leaseTtlMs: z.number().int().positive().optional(),
    /** When refused: seconds until a retry can succeed. Absent when `tooLarge`. */
    retryAfterS: z.number().int().nonnegative().optional(),
    /**
     * When refused: the request alone asks for more than the whole limit (its worst-case cost is over the
     * whole budget), so no retry can succeed; the caller must ask for less.
     */
    tooLarge: z.boolean().optional(),
    /** When refused: which limit was hit, in words a person understands. */
    reason: z.string().optional(),
  }),
} as const;
export type AdmitRequest = z.infer<typeof Admit.Request>;
export type AdmitResponse = z.infer<typeof Admit.Response>;
