import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, type ConsumerMessages, type ConsumerNotification, type JsMsg } from '@nats-io/jetstream';
import type { Logger } from '@aigw/telemetry';
import { consumeInBatches, type BatchOptions } from './batches';
import { closeConsumption } from './jetstream';

export interface BatchConsumerOptions {
  /** The stream and the durable pull consumer to take messages from. */
  stream: string;
  consumer: string;
  /** Messages asked for per pull. */
  pullSize: number;
  /** How messages are grouped before `handle` (`consumeInBatches`). */
  batch: BatchOptions;
  /** Delay before consuming again after the consumption failed or could not start, number of milliseconds. */
  retryDelayMs: number;
  /** Creates or updates the durable consumer before each start, when the service owns it. */
  ensure?: () => Promise<void>;
  /** Settles a batch: acks, naks with a delay, or terminates each message. It handles its own failures. */
  handle(batch: readonly JsMsg[]): Promise<void>;
  /** Why consumption could not start or stopped, said once per cause while it repeats (the default logs a warning). */
  onProblem?(err: unknown): void;
  /** JetStream's status events of a running consumption (missed heartbeats, a deleted consumer). */
  onStatus?(status: ConsumerNotification): void;
  logger: Logger;
}

export interface BatchConsumer {
  /** Whether messages are being pulled now. */
  running(): boolean;
  /** Stops pulling and finishes the messages already received (being handled, batched, or buffered by the pull). */
  close(): Promise<void>;
}

/**
 * One durable consumer's loop, as every service that consumes a stream runs it: pull, group into batches,
 * hand each batch to `handle`, and start again after `retryDelayMs` whenever the consumption fails or cannot
 * start (the stream not there yet, NATS away), for as long as the service runs. A cause that repeats is
 * reported once. `close()` lets the messages already received be handled rather than handed back: a
 * message nak'ed now may be redelivered into the pull this client is abandoning, where it would sit until
 * its ack wait.
 */
export function startBatchConsumer(nc: NatsConnection, opts: BatchConsumerOptions): BatchConsumer {
  const log = opts.logger.child({ consumer: opts.consumer });
  let stopping = false;
  let active = false;
  let messages: ConsumerMessages | undefined;
  let pause: { timer: NodeJS.Timeout; resume: () => void } | undefined;
  let lastProblem: string | undefined;

  const watchStatus = async (current: ConsumerMessages) => {
    for await (const status of current.status()) opts.onStatus?.(status);
  };

  const loop = (async () => {
    while (!stopping) {
      try {
        await opts.ensure?.();
        const consumer = await jetstream(nc).consumers.get(opts.stream, opts.consumer);
        messages = await consumer.consume({ max_messages: opts.pullSize });
        if (stopping) {
          await messages.close();
          break;
        }
        if (opts.onStatus) watchStatus(messages).catch((err: unknown) => log.warn({ err }, 'JetStream status stream ended'));
        active = true;
        lastProblem = undefined;
        log.info({ stream: opts.stream }, 'consumer started');
        await consumeInBatches(messages, opts.batch, opts.handle);
      } catch (err) {
        const problem = (err as Error).name;
        if (!stopping && problem !== lastProblem) {
          if (opts.onProblem) opts.onProblem(err);
          else log.warn({ err }, 'consumer not running, retrying');
        }
        lastProblem = problem;
      } finally {
        active = false;
      }
      if (!stopping) {
        await new Promise<void>((resolve) => {
          pause = { timer: setTimeout(resolve, opts.retryDelayMs), resume: resolve };
        });
      }
    }
  })();

  return {
    running: () => active,
    async close() {
      stopping = true;
      if (pause) {
        clearTimeout(pause.timer);
        pause.resume();
      }
      if (messages) await closeConsumption(nc, messages);
      await loop;
      log.info('consumer stopped');
    },
  };
}
