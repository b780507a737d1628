import { z } from 'zod';
import { Subjects } from '../subjects';

/**
 * Counts one failed authentication that the edge decided without auth (a JWT it could not verify)
 * against the caller's address, so that every credential kind shares one failure budget per address.
 * Over the limit the edge answers 429 instead of 401.
 */
export const RecordAuthFailure = {
  subject: Subjects.authRecordFailure,
  service: 'auth',
  Request: z.object({
    /** The caller's address as the edge resolved it. */
    clientIp: z.string().min(1),
  }),
  Response: z.object({
    /** Whether the address is now over its budget of failures. */
    blocked: z.boolean(),
    /** When the address may try again, number of seconds; present when `blocked`. */
    retryAfterS: z.number().int().positive().optional(),
  }),
} as const;
export type RecordAuthFailureRequest = z.infer<typeof RecordAuthFailure.Request>;
export type RecordAuthFailureResponse = z.infer<typeof RecordAuthFailure.Response>;
