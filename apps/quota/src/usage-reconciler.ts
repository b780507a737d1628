import type { NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import { ensureDurableConsumer, nanos, startBatchConsumer, type BatchConsumer } from '@aigw/bus';
import { Consumers, Streams, Subjects, UsageRecorded } from '@aigw/contracts';
import type { QuotaConfig } from '@aigw/config';
import type { Logger } from '@aigw/telemetry';
import type { QuotaMetrics } from './quota-metrics';
import { keyScope, modelScope, tenantScope, type QuotaStore, type UsageCharge } from './redis/quota-store';
import type { CostModel } from './spend/cost-model';

export interface ReconcilerOptions {
  /** How long JetStream waits for an ack before redelivering, number of milliseconds. */
  ackWaitMs: number;
  /** Delay before a message that failed on Redis is delivered again, and between attempts to find the stream, ms. */
  retryDelayMs: number;
  /**
   * How long the first event of a batch waits for more before the batch is reconciled, number of
   * milliseconds. Events arrive one by one as requests end; reconciling them a batch at a time makes one
   * Redis call and one socket write of acks per batch instead of two writes per event. Reservations are
   * settled that much later.
   */
  batchWindowMs: number;
}

/** Whether usage events are being pulled now (`running`), and `close` to stop pulling and finish what was received. */
export type UsageReconciler = BatchConsumer;

/** Events reconciled in one script call, at most. */
const MAX_BATCH = 64;
/** Batches being reconciled at once by one replica. */
const MAX_BATCHES = 4;

/**
 * Quota's own durable consumer of `usage.v1.recorded`: it turns each request's reservation into its actual
 * use off the request path, once per event id, so that after the events are in, the token windows and
 * spend counters equal the sum of the events. Created with deliver policy `new`: events from before quota
 * first ran have no reservations to settle.
 */
export async function ensureReconcilerConsumer(nc: NatsConnection, opts: ReconcilerOptions): Promise<void> {
  await ensureDurableConsumer(nc, Streams.usage.name, Consumers.quotaReconciler, {
    changeable: {
      description: 'quota: reconciles token and spend reservations with actual usage',
      ack_wait: nanos(opts.ackWaitMs),
      max_ack_pending: 1000,
      // Never give up on an event: a dropped one leaves a reservation unsettled until it is swept.
      max_deliver: -1,
    },
    fixed: { filter_subject: Subjects.usageRecorded, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.New },
  });
}

/** Scopes an event without reservation is charged to: its key, its tenant, and key × model if the alias may be limited. */
function chargedScopes(event: UsageRecorded, quota: QuotaConfig): string[] {
  const scopes = [keyScope(event.keyId), tenantScope(event.tenantId)];
  const modelLimited = quota.models[event.model] || Object.values(quota.tiers).some((t) => t.models[event.model]);
  if (modelLimited) scopes.push(modelScope(event.keyId, event.model));
  return scopes;
}

/** What an event settles: tokens the upstream processed (none for a gateway cache hit) and the billed cost. */
export function chargeOf(event: UsageRecorded, costs: CostModel, quota: QuotaConfig): UsageCharge {
  return {
    eventId: event.id,
    tokens: event.cacheHit ? 0 : event.promptTokens + event.completionTokens,
    costMicros: costs.actual(event),
    atMs: Date.parse(event.ts),
    scopes: chargedScopes(event, quota),
  };
}

/**
 * Pulls usage events and reconciles them, a batch in one Redis call, before acknowledging them. The stream
 * may not exist yet when quota starts (proxy and metering provision it): the consumer is then retried until
 * it does. An invalid event is terminated; a Redis failure hands the batch's messages back with a delay.
 */
export function startUsageReconciler(deps: {
  nc: NatsConnection;
  store: QuotaStore;
  costs: CostModel;
  quota: QuotaConfig;
  metrics: QuotaMetrics;
  logger: Logger;
  options: ReconcilerOptions;
}): UsageReconciler {
  const { store, costs, quota, metrics, options } = deps;
  const log = deps.logger.child({ consumer: Consumers.quotaReconciler });
  let backoffUntil = 0;

  /** The events of a batch that match `UsageRecorded`; the others are terminated. */
  const validEvents = (batch: readonly JsMsg[]): Array<{ msg: JsMsg; event: UsageRecorded }> => {
    const valid: Array<{ msg: JsMsg; event: UsageRecorded }> = [];
    for (const msg of batch) {
      const parsed = UsageRecorded.safeParse(safeJson(msg));
      if (parsed.success) {
        valid.push({ msg, event: parsed.data });
        continue;
      }
      log.error({ seq: msg.seq, issues: parsed.error.issues.slice(0, 3) }, 'usage event does not match UsageRecorded, terminated');
      msg.term();
      metrics.usageEvents.inc({ result: 'invalid' });
    }
    return valid;
  };

  const handle = async (batch: readonly JsMsg[]): Promise<void> => {
    const valid = validEvents(batch);
    if (valid.length === 0) return;
    const handBack = () => {
      for (const { msg } of valid) msg.nak(options.retryDelayMs);
      metrics.usageEvents.inc({ result: 'retried' }, valid.length);
    };
    if (Date.now() < backoffUntil) return handBack();
    try {
      const outcomes = await store.reconcile(valid.map(({ event }) => chargeOf(event, costs, quota)));
      valid.forEach(({ msg }, i) => {
        msg.ack();
        metrics.usageEvents.inc({ result: outcomes[i] });
      });
    } catch (err) {
      backoffUntil = Date.now() + options.retryDelayMs;
      handBack();
      log.warn(
        { err, eventIds: valid.slice(0, 3).map(({ event }) => event.id), events: valid.length, retryInMs: options.retryDelayMs },
        'reconciling usage events failed, handed back',
      );
    }
  };

  // Events are independent (each settles its own request, once): a batch is reconciled when it is full or
  // its window has passed, while the next one fills.
  return startBatchConsumer(deps.nc, {
    stream: Streams.usage.name,
    consumer: Consumers.quotaReconciler,
    pullSize: 256,
    batch: { maxSize: MAX_BATCH, windowMs: options.batchWindowMs, maxInFlight: MAX_BATCHES },
    retryDelayMs: options.retryDelayMs,
    ensure: () => ensureReconcilerConsumer(deps.nc, options),
    handle,
    // A missing stream is expected at first start (proxy and metering create it, and start after quota): no warning.
    onProblem: (err) => {
      if ((err as Error).name === 'StreamNotFoundError') log.info('waiting for the USAGE stream to reconcile usage');
      else log.warn({ err }, 'usage reconciler not running, retrying');
    },
    logger: deps.logger,
  });
}

function safeJson(msg: JsMsg): unknown {
  try {
    return msg.json();
  } catch {
    return undefined;
  }
}
