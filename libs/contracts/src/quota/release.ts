import { z } from 'zod';
import { Identifier } from '../identifiers';
import { Subjects } from '../subjects';

/**
 * An admitted request ended, whichever way (finished, failed, client gone). The proxy publishes it without
 * waiting for a reply; quota frees the request's concurrency slots at once. Its token and spend
 * reservation is settled by the request's `usage.v1.recorded` event, or refunded now when none follows.
 */
export const Release = {
  subject: Subjects.quotaRelease,
  service: 'quota',
  Request: z.object({
    requestId: Identifier,
    /** True when a usage event was or will be published for this request; false refunds the reservation now. */
    usageFollows: z.boolean(),
  }),
  Response: z.object({
    /** False when the request held no lease any more (already released, reconciled or expired). */
    released: z.boolean(),
  }),
} as const;
export type ReleaseRequest = z.infer<typeof Release.Request>;
export type ReleaseResponse = z.infer<typeof Release.Response>;
