import { context, type Context } from '@opentelemetry/api';
import { endOfTurn, type EventPublisher } from '@aigw/bus';
import { Subjects, type UsageRecorded } from '@aigw/contracts';
import type { Logger } from '@aigw/telemetry';
import type { ProxyMetrics } from '../metrics';
import type { UsageSpool } from './usage-spool';

/** Delays before the retries of a failed publish, numbers of milliseconds. JetStream drops duplicates by id. */
const RETRY_DELAYS_MS = [200, 1_000];

/**
 * Publishes usage events off the response path: `publish` returns at once, the JetStream ack is awaited in
 * the background. With a spool, a failed publish goes to disk at once and is re-published from there
 * when JetStream is back (`startSpoolReplayer`); without one it is retried, then logged and counted.
 * `flush` waits for every publish still under way, for a shutdown that loses nothing it could have sent.
 */
export class UsagePublisher {
  readonly #events: EventPublisher;
  readonly #logger: Logger;
  readonly #metrics: ProxyMetrics;
  readonly #pending = new Set<Promise<void>>();
  readonly #spool: UsageSpool | undefined;
  /** Events are going to the spool: logged once when it starts and once when publishing works again. */
  #spooling = false;

  constructor(events: EventPublisher, logger: Logger, metrics: ProxyMetrics, spool?: UsageSpool) {
    this.#events = events;
    this.#logger = logger;
    this.#metrics = metrics;
    this.#spool = spool;
  }

  /**
   * Sends the event `make` makes at the end of this event-loop turn: after the rest of the turn's work (such
   * as the teardown of an aborted upstream request, which must not wait for token counting), and together
   * with the turn's other events, in one socket write. `flush` waits for it from this call on. The publish
   * is part of the trace active at this call, which the awaits before it do not carry.
   */
  publish(make: () => UsageRecorded | Promise<UsageRecorded>): void {
    const traceContext = context.active();
    const done = endOfTurn()
      .then(make)
      .then((e) => this.#send(e, traceContext))
      .catch((err: unknown) => this.#logger.error({ err }, 'usage event could not be made'))
      .finally(() => this.#pending.delete(done));
    this.#pending.add(done);
  }

  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  async #send(event: UsageRecorded, traceContext: Context): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const { duplicate } = await this.#events.publish(Subjects.usageRecorded, event, event.id, traceContext);
        this.#metrics.usagePublished.inc({ result: duplicate ? 'duplicate' : 'ok' });
        if (this.#spooling) this.#logger.info('usage events are published to JetStream again');
        this.#spooling = false;
        return;
      } catch (err) {
        if (this.#spool) {
          await this.#toSpool(this.#spool, event, err);
          return;
        }
        const delay = RETRY_DELAYS_MS[attempt];
        if (delay === undefined) {
          this.#metrics.usagePublished.inc({ result: 'failed' });
          this.#logger.error({ err, reqId: event.id, keyId: event.keyId }, 'usage event could not be published');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  async #toSpool(spool: UsageSpool, event: UsageRecorded, cause: unknown): Promise<void> {
    try {
      const kept = await spool.append(event);
      this.#metrics.usagePublished.inc({ result: kept ? 'spooled' : 'failed' });
      if (kept && !this.#spooling) this.#logger.warn({ err: cause, reqId: event.id }, 'JetStream unavailable: usage events are spooled to disk until it is back');
      this.#spooling ||= kept;
    } catch (err) {
      this.#metrics.usagePublished.inc({ result: 'failed' });
      this.#logger.error({ err, reqId: event.id, keyId: event.keyId }, 'usage event could neither be published nor spooled');
    }
  }
}
