import { z } from 'zod';
import { Identifier } from '../identifiers';
import { Subjects } from '../subjects';

/**
 * Keeps the leases of requests still running. The proxy publishes it without waiting for a reply, for all
 * its running requests at once, every third of the lease TTL (`AdmitResponse.leaseTtlMs`). A lease that
 * is not renewed expires: its concurrency slots come back and its reservation is refunded.
 */
export const Renew = {
  subject: Subjects.quotaRenew,
  service: 'quota',
  Request: z.object({
    /** Ids of admitted requests that are still running. */
    requestIds: z.array(Identifier).min(1).max(1000),
  }),
  Response: z.object({
    /** How many of them still had a reservation (the others expired or were reconciled). */
    renewed: z.number().int().nonnegative(),
  }),
} as const;
export type RenewRequest = z.infer<typeof Renew.Request>;
export type RenewResponse = z.infer<typeof Renew.Response>;
