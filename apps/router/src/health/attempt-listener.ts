import type { NatsConnection } from '@nats-io/transport-node';
import { subscribeBroadcast, type BroadcastSubscription } from '@aigw/bus';
import { AttemptFinishedEvent, AttemptStartedEvent } from '@aigw/contracts';
import type { Logger } from '@aigw/telemetry';
import type { HealthBoard } from './health-board';

export type AttemptEventKind = 'started' | 'finished';

/**
 * Feeds every proxy's attempt events into the board. Broadcast, not a queue group: each router replica must
 * see every outcome for the replicas to agree on the circuits. Events missed while disconnected would leave
 * attempts counted in flight for ever, so a reconnect starts the in-flight counts afresh.
 */
export function listenToAttempts(nc: NatsConnection, board: HealthBoard, onEvent: (kind: AttemptEventKind) => void, logger: Logger): BroadcastSubscription[] {
  const onResync = () => board.forgetInFlight();
  return [
    subscribeBroadcast(
      nc,
      AttemptStartedEvent,
      {
        onEvent: (event) => {
          board.started(event);
          onEvent('started');
        },
        onResync,
      },
      logger,
    ),
    subscribeBroadcast(
      nc,
      AttemptFinishedEvent,
      {
        onEvent: (event) => {
          board.finished(event);
          onEvent('finished');
        },
        onResync: () => undefined,
      },
      logger,
    ),
  ];
}
