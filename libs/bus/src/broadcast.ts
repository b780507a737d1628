import type { NatsConnection, QueuedIterator, Status } from '@nats-io/transport-node';
import type { z } from 'zod';
import type { Logger } from '@aigw/telemetry';
import { decodeJson, encodeJson } from './codec';

/** A core-NATS event that every subscriber receives (no queue group), as `libs/contracts` declares it. */
export interface BroadcastContract<S extends z.ZodType = z.ZodType> {
  subject: string;
  schema: S;
}

/**
 * Publishes an event to every subscriber and waits until the server has it, so that a caller answering
 * "done" afterwards knows the event is on its way to every connected replica.
 */
export async function publishBroadcast<S extends z.ZodType>(nc: NatsConnection, contract: BroadcastContract<S>, event: z.input<S>): Promise<void> {
  nc.publish(contract.subject, encodeJson(contract.schema.parse(event)));
  await nc.flush();
}

export interface BroadcastHandlers<S extends z.ZodType> {
  /** One event, already checked against the contract's schema. */
  onEvent(event: z.output<S>): void;
  /**
   * Core NATS delivers at most once: events published while this connection was down are lost. Called
   * after every reconnect, so that the subscriber can drop whatever those events would have dropped.
   */
  onResync(): void;
}

export interface BroadcastSubscription {
  close(): void;
}

/**
 * Subscribes to a broadcast event. A message that fails the schema is logged and skipped, never thrown:
 * one bad publisher must not stop the subscription.
 */
export function subscribeBroadcast<S extends z.ZodType>(
  nc: NatsConnection,
  contract: BroadcastContract<S>,
  handlers: BroadcastHandlers<S>,
  logger: Logger,
): BroadcastSubscription {
  const sub = nc.subscribe(contract.subject, {
    callback: (err, msg) => {
      if (err) {
        logger.error({ err, subject: contract.subject }, 'broadcast subscription failed');
        return;
      }
      let parsed;
      try {
        parsed = contract.schema.safeParse(decodeJson(msg.data));
      } catch (cause) {
        logger.warn({ err: cause, subject: contract.subject }, 'broadcast event is not JSON; skipped');
        return;
      }
      if (!parsed.success) {
        logger.warn({ subject: contract.subject, issues: parsed.error.issues }, 'broadcast event does not match its contract; skipped');
        return;
      }
      handlers.onEvent(parsed.data);
    },
  });
  const status = nc.status() as QueuedIterator<Status>;
  void (async () => {
    for await (const s of status) if (s.type === 'reconnect') handlers.onResync();
  })();
  return {
    close() {
      status.stop();
      sub.unsubscribe();
    },
  };
}
