import type { JetStreamClient } from '@nats-io/jetstream';
import { publishEvent } from '@aigw/bus';
import { Subjects, type UsageRecorded } from '@aigw/contracts';
import type { Logger } from '@aigw/telemetry';
import type { ProxyMetrics } from '../metrics';

/** Delays before the retries of a failed publish, numbers of milliseconds. JetStream drops duplicates by id. */
const RETRY_DELAYS_MS = [200, 1_000];

/**
 * Publishes usage events off the response path: `publish` returns at once, the JetStream ack is awaited in
 * the background, and a failed publish is retried, then logged and counted. `flush` waits for every
 * publish still under way, for a shutdown that loses nothing it could have sent.
 */
export class UsagePublisher {
  readonly #js: JetStreamClient;
  readonly #logger: Logger;
  readonly #metrics: ProxyMetrics;
  readonly #pending = new Set<Promise<void>>();

  constructor(js: JetStreamClient, logger: Logger, metrics: ProxyMetrics) {
    this.#js = js;
    this.#logger = logger;
    this.#metrics = metrics;
  }

  publish(event: UsageRecorded): void {
    const done = this.#send(event).finally(() => this.#pending.delete(done));
    this.#pending.add(done);
  }

  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  async #send(event: UsageRecorded): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const { duplicate } = await publishEvent(this.#js, Subjects.usageRecorded, event, event.id);
        this.#metrics.usagePublished.inc({ result: duplicate ? 'duplicate' : 'ok' });
        return;
      } catch (err) {
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
}
