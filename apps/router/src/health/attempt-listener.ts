import type { NatsConnection } from '@nats-io/transport-node';
import { subscribeBroadcast, type BroadcastSubscription } from '@aigw/bus';
import { AttemptsReportedEvent } from '@aigw/contracts';
import type { Logger } from '@aigw/telemetry';
import type { HealthBoard } from './health-board';

/** Counts the entries of each kind that a batch brought. */
export type AttemptReportsCounter = (started: number, finished: number) => void;

/**
 * Feeds every proxy's attempt reports into the board. Broadcast, not a queue group: each router replica must
 * see every outcome for the replicas to agree on the circuits. Starts go first, since an attempt's end may
 * share its start's batch. Reports missed while disconnected would leave attempts counted in flight for
 * ever, so a reconnect starts the in-flight counts afresh.
 */
export function listenToAttempts(nc: NatsConnection, board: HealthBoard, count: AttemptReportsCounter, logger: Logger): BroadcastSubscription {
  return subscribeBroadcast(
    nc,
    AttemptsReportedEvent,
    {
      onEvent: ({ started, finished }) => {
        for (const event of started) board.started(event);
        for (const event of finished) board.finished(event);
        count(started.length, finished.length);
      },
      onResync: () => board.forgetInFlight(),
    },
    logger,
  );
}
