import { z } from 'zod';

/**
 * Limits of one scope (a key, a tenant, a tier preset). Every field is optional: an unset field falls back
 * to the next scope (key → tenant → tier → quota defaults). Money is integer micro-units of the price
 * table's currency (libs/pricing).
 */
export const Limits = z.object({
  /** Requests per minute. */
  rpm: z.number().int().positive().optional(),
  /** Requests per day: a sliding window of the last 24 hours. */
  rpd: z.number().int().positive().optional(),
  /** Tokens (prompt + completion) per minute: a sliding window; reserved at admission, reconciled with usage. */
  tpm: z.number().int().positive().optional(),
  /** Requests in flight at once. */
  maxConcurrent: z.number().int().positive().optional(),
  /** Spend per UTC day, micro-units; a request is admitted only if its worst-case cost fits. */
  dailyBudgetMicros: z.number().int().nonnegative().optional(),
  /** Spend per UTC month, micro-units. */
  monthlyBudgetMicros: z.number().int().nonnegative().optional(),
});
export type Limits = z.infer<typeof Limits>;
