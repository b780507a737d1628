import type { NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, ReplayPolicy, type JsMsg } from '@nats-io/jetstream';
import { ensureDurableConsumer, inMessageSpan, nanos, startBatchConsumer, type BatchConsumer } from '@aigw/bus';
import { Consumers, Streams, UsageRecorded } from '@aigw/contracts';
import { failSpan, type Logger, type Span } from '@aigw/telemetry';
import type { Ledger } from './ledger';
import { EventResult, type MeteringMetrics } from './metrics';
import { describeUsage } from './usage-span';

export interface LedgerConsumerOptions {
  /** How long JetStream waits for an ack before redelivering, number of milliseconds. */
  ackWaitMs: number;
  /** Deliveries in flight without an ack before JetStream stops delivering more. */
  maxAckPending: number;
  /** Delay before a message that failed on Redis is delivered again, number of milliseconds. */
  retryDelayMs: number;
  /**
   * How long the first message of a batch waits for more before the batch is written, number of
   * milliseconds. Usage events arrive one by one as requests end; writing them a batch at a time makes one
   * Redis write and one flush of acks per batch instead of two socket writes (and their wake-ups) per
   * event. Usage shows up in the ledger that much later.
   */
  batchWindowMs: number;
}

/** Whether messages are being pulled now (`running`), and `close` to stop pulling and finish what was received. */
export type LedgerConsumer = BatchConsumer;

/** Messages asked for per pull, and written to the ledger in one batch at most. */
const PULL_BATCH = 64;
/** Batches being written before no more messages are taken: the next one fills while one is written. */
const MAX_BATCHES = 2;

/** The durable pull consumer of metering: created once, its changeable settings updated at each start. */
export async function ensureLedgerConsumer(nc: NatsConnection, opts: LedgerConsumerOptions): Promise<void> {
  await ensureDurableConsumer(nc, Streams.usage.name, Consumers.meteringLedger, {
    changeable: {
      description: 'metering: aggregates usage events into the Redis ledger',
      ack_wait: nanos(opts.ackWaitMs),
      max_ack_pending: opts.maxAckPending,
      // Never give up on a message: dropping one would lose billable usage.
      max_deliver: -1,
    },
    fixed: { ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, replay_policy: ReplayPolicy.Instant },
  });
}

/**
 * Pulls usage events (`startBatchConsumer`) and writes each to the ledger before acknowledging it, a batch
 * of them at once: the ledger dedups by event id and adds commutatively, so their order does not matter. A
 * batch is written when it is full or its window has passed. Its events are recorded in one tick, so the
 * ledger counts them with one script call; their outcomes arrive together, so their acks go out in one
 * NATS flush. An invalid event is terminated (it would fail the same way forever); a Redis failure hands
 * the message back with a delay, and the messages handled after it follow without trying Redis until the
 * delay has passed.
 */
export async function startLedgerConsumer(deps: {
  nc: NatsConnection;
  ledger: Pick<Ledger, 'record'>;
  logger: Logger;
  metrics: MeteringMetrics;
  options: LedgerConsumerOptions;
}): Promise<LedgerConsumer> {
  const { ledger, logger, metrics, options } = deps;
  const log = logger.child({ consumer: Consumers.meteringLedger });
  let backoffUntil = 0;

  const handle = async (msg: JsMsg, span: Span): Promise<void> => {
    const event = parseEvent(msg, log);
    if (!event) {
      msg.term();
      metrics.events.inc({ result: EventResult.Invalid });
      return;
    }
    if (Date.now() < backoffUntil) {
      msg.nak(options.retryDelayMs);
      metrics.events.inc({ result: EventResult.Retried });
      return;
    }
    const endTimer = metrics.aggregationSeconds.startTimer();
    try {
      describeUsage(span, event);
      const outcome = await ledger.record(event);
      span.setAttribute('aigw.ledger.result', outcome);
      endTimer();
      msg.ack();
      metrics.events.inc({ result: outcome });
    } catch (err) {
      failSpan(span, err);
      const now = Date.now();
      // The writes in flight with this one most likely failed with it: one warning per retry round, not per event.
      if (now >= backoffUntil) {
        log.warn({ err, seq: msg.seq, eventId: event.id, retryInMs: options.retryDelayMs }, 'ledger write failed, events handed back');
      }
      backoffUntil = now + options.retryDelayMs;
      msg.nak(options.retryDelayMs);
      metrics.events.inc({ result: EventResult.Retried });
    }
  };

  // An ack or nak that throws (connection closed) leaves the message unacknowledged: JetStream redelivers
  // it after ack_wait and the ledger recognises it if it was counted.
  const settle = (msg: JsMsg): Promise<void> =>
    inMessageSpan(msg, Consumers.meteringLedger, (span) => handle(msg, span)).catch((err: unknown) =>
      log.error({ err, seq: msg.seq }, 'usage event left unacknowledged, JetStream will redeliver it'),
    );

  return startBatchConsumer(deps.nc, {
    stream: Streams.usage.name,
    consumer: Consumers.meteringLedger,
    pullSize: PULL_BATCH,
    batch: { maxSize: PULL_BATCH, windowMs: options.batchWindowMs, maxInFlight: MAX_BATCHES },
    retryDelayMs: options.retryDelayMs,
    // Created again if it was deleted: usage must never stop being counted for want of a consumer.
    ensure: () => ensureLedgerConsumer(deps.nc, options),
    handle: async (batch) => {
      metrics.pendingMessages.set(batch[batch.length - 1]!.info.pending);
      await Promise.all(batch.map(settle));
    },
    onProblem: (err) => log.error({ err }, 'ledger consumer stopped or could not start, retrying'),
    onStatus: (s) => {
      if (s.type === 'heartbeats_missed') log.warn({ count: s.count }, 'JetStream heartbeats missed');
      else if (s.type === 'consumer_not_found' || s.type === 'consumer_deleted' || s.type === 'stream_not_found') {
        log.error({ status: s }, 'ledger consumer or stream is missing: usage is not being aggregated');
      }
    },
    logger,
  });
}

function parseEvent(msg: JsMsg, log: Logger): UsageRecorded | undefined {
  let raw: unknown;
  try {
    raw = msg.json();
  } catch {
    log.error({ seq: msg.seq, subject: msg.subject }, 'usage event is not JSON, terminated');
    return undefined;
  }
  const parsed = UsageRecorded.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    log.error({ seq: msg.seq, subject: msg.subject, issues }, 'usage event does not match UsageRecorded v1, terminated');
    return undefined;
  }
  return parsed.data;
}
