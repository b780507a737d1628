import { z } from 'zod';
import { Subjects } from '../subjects';
import { AttemptFinished } from './attempt-finished';
import { AttemptStarted } from './attempt-started';

/** Most entries of each kind one batch carries; a publisher with more sends another batch. */
export const ATTEMPTS_REPORTED_MAX = 256;

/**
 * Upstream attempts that began or ended in one short window of one publisher (schema version 1). Core NATS,
 * no persistence: every router replica subscribes (no queue group), so that all of them count the same
 * attempts in flight and feed the same outcomes into their health. One message per window rather than one
 * per report: a message costs every replica far more than an entry does.
 *
 * An attempt's start is in the batch of its end or in an earlier one from the same publisher: a subscriber
 * applies `started` before `finished`.
 */
export const AttemptsReported = z.object({
  v: z.literal(1),
  /** In the order the attempts began. */
  started: z.array(AttemptStarted).max(ATTEMPTS_REPORTED_MAX),
  /** In the order the attempts ended. */
  finished: z.array(AttemptFinished).max(ATTEMPTS_REPORTED_MAX),
});
export type AttemptsReported = z.infer<typeof AttemptsReported>;

export const AttemptsReportedEvent = { subject: Subjects.routerAttemptsReported, schema: AttemptsReported } as const;
