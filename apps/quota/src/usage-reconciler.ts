import type { NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { ensureDurableConsumer, nanos } from '@aigw/bus';
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
}

export interface UsageReconciler {
  /** Whether usage events are being pulled now. */
  running(): boolean;
  /** Stops pulling and finishes the messages already received. */
  close(): Promise<void>;
}

/** Events handled at once by one replica. */
const MAX_HANDLING = 64;

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
 * Pulls usage events and reconciles each before acknowledging it. The stream may not exist yet when quota
 * starts (proxy and metering provision it): the consumer is then retried until it does. An invalid event
 * is terminated; a Redis failure hands the message back with a delay.
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
  let stopping = false;
  let active = false;
  let messages: ConsumerMessages | undefined;
  let backoffUntil = 0;
  let pause: { timer: NodeJS.Timeout; resume: () => void } | undefined;
  let lastProblem: string | undefined;

  const handle = async (msg: JsMsg): Promise<void> => {
    const parsed = UsageRecorded.safeParse(safeJson(msg));
    if (!parsed.success) {
      log.error({ seq: msg.seq, issues: parsed.error.issues.slice(0, 3) }, 'usage event does not match UsageRecorded, terminated');
      msg.term();
      metrics.usageEvents.inc({ result: 'invalid' });
      return;
    }
    if (Date.now() < backoffUntil) {
      msg.nak(options.retryDelayMs);
      metrics.usageEvents.inc({ result: 'retried' });
      return;
    }
    try {
      const outcome = await store.reconcile(chargeOf(parsed.data, costs, quota));
      msg.ack();
      metrics.usageEvents.inc({ result: outcome });
    } catch (err) {
      backoffUntil = Date.now() + options.retryDelayMs;
      msg.nak(options.retryDelayMs);
      metrics.usageEvents.inc({ result: 'retried' });
      log.warn({ err, eventId: parsed.data.id, retryInMs: options.retryDelayMs }, 'reconciling a usage event failed, handed back');
    }
  };

  const loop = (async () => {
    while (!stopping) {
      try {
        await ensureReconcilerConsumer(deps.nc, options);
        const consumer = await jetstream(deps.nc).consumers.get(Streams.usage.name, Consumers.quotaReconciler);
        messages = await consumer.consume({ max_messages: 256 });
        if (stopping) {
          await messages.close();
          break;
        }
        active = true;
        lastProblem = undefined;
        log.info({ stream: Streams.usage.name }, 'usage reconciler started');
        // Events are independent (each settles its own request, once): handling a batch at a time lets
        // their script calls share Redis round trips.
        const handling = new Set<Promise<void>>();
        for await (const msg of messages) {
          const handled: Promise<void> = handle(msg).finally(() => handling.delete(handled));
          handling.add(handled);
          if (handling.size >= MAX_HANDLING) await Promise.race(handling);
        }
        await Promise.all(handling);
      } catch (err) {
        // Every retry fails the same way until the cause goes: say so once. A missing stream is expected
        // at first start (proxy and metering create it, and start after quota), so it is no warning.
        const problem = (err as Error).name;
        if (!stopping && problem !== lastProblem) {
          if (problem === 'StreamNotFoundError') log.info('waiting for the USAGE stream to reconcile usage');
          else log.warn({ err }, 'usage reconciler not running, retrying');
        }
        lastProblem = problem;
      } finally {
        active = false;
      }
      if (!stopping) {
        await new Promise<void>((resolve) => {
          pause = { timer: setTimeout(resolve, options.retryDelayMs), resume: resolve };
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
      await messages?.close();
      await loop;
    },
  };
}

function safeJson(msg: JsMsg): unknown {
  try {
    return msg.json();
  } catch {
    return undefined;
  }
}
