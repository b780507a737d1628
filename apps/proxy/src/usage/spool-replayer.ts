import type { EventPublisher } from '@aigw/bus';
import { Subjects } from '@aigw/contracts';
import type { Logger } from '@aigw/telemetry';
import type { UsageSpool } from './usage-spool';

/** How often the spool is checked while it holds events, number of milliseconds. */
const REPLAY_INTERVAL_MS = 1_000;

export interface SpoolReplayer {
  /** Stops the timer after one last replay, if JetStream is reachable. */
  stop(): Promise<void>;
}

/**
 * Re-publishes spooled usage events whenever the spool holds some and NATS is connected, each with its
 * event id as `Nats-Msg-Id`. A failed replay is tried again on the next tick.
 */
export function startSpoolReplayer(deps: { spool: UsageSpool; events: EventPublisher; isReady: () => boolean; logger: Logger }): SpoolReplayer {
  const { spool, events, isReady, logger } = deps;
  let failing = false;
  const tick = async () => {
    if (spool.events === 0 || !isReady()) return;
    try {
      await spool.replay(async (event) => {
        await events.publish(Subjects.usageRecorded, event, event.id);
      });
      if (failing) logger.info('usage spool emptied');
      failing = false;
    } catch (err) {
      if (!failing) logger.warn({ err, events: spool.events }, 'usage spool replay failed, retrying');
      failing = true;
    }
  };
  const timer = setInterval(() => void tick(), REPLAY_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await tick();
    },
  };
}
