import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NatsConnection } from '@nats-io/transport-node';
import { Admit, Release, Renew } from '@aigw/contracts';
import { connectBus, endpoint, isBusReady, startService, stopService } from '@aigw/bus';
import type { GatewayConfig } from '@aigw/config';
import { createMetricsRegistry, startOpsServer, type Logger } from '@aigw/telemetry';
import { createAdmission } from './admission';
import { FailurePolicy } from './failure-policy';
import { createLeaseHandlers, startLeaseSweeper, type LeaseSweeper } from './leases';
import { createQuotaMetrics } from './quota-metrics';
import { connectRedis, isRedisReady, REDIS_FAILURE_POLICY, redisReadyWithin } from './redis-connection';
import { QuotaStore } from './redis/quota-store';
import { CostModel } from './spend/cost-model';
import { startUsageReconciler, type ReconcilerOptions, type UsageReconciler } from './usage-reconciler';

export interface QuotaServiceOptions {
  nats: { servers: string };
  /** `startupWaitMs`: how long to wait for Redis before taking requests (`REDIS_FAILURE_POLICY.startupWaitMs`). */
  redis: { url: string; startupWaitMs?: number };
  /** Where `/healthz`, `/readyz` and `/metrics` listen; port 0 picks a free one. */
  ops: { port: number; host?: string };
  /** The gateway config: `quota` for the limits, `models`, `deployments` and `prices` for what requests cost. */
  config: Pick<GatewayConfig, 'quota' | 'models' | 'deployments' | 'prices'>;
  /** How often lapsed reservations are refunded, number of milliseconds (default 1000). */
  sweepIntervalMs?: number;
  reconciler?: Partial<ReconcilerOptions>;
  logger: Logger;
}

export interface QuotaService {
  /** Port the ops server listens on. */
  opsPort: number;
  /** Whether the usage reconciler is pulling events. */
  reconciling(): boolean;
  /** Stops taking requests, answers those in flight, then closes NATS, Redis and the ops server. */
  close(): Promise<void>;
}

/**
 * How long a reconciled event id is remembered, number of seconds: far longer than JetStream's duplicate
 * window, so that an event the proxy re-publishes after an outage is settled once.
 */
const EVENT_MARKER_TTL_S = 2 * 24 * 60 * 60;

/**
 * Serves `quota.v1.admit` (every limit of a request decided in one Redis script call, so limits hold across
 * every replica), `quota.v1.renew` and `quota.v1.release` (leases), reconciles reservations from the usage
 * stream, and refunds reservations whose lease lapsed. Redis trouble follows `quota.failurePolicy`.
 */
export async function startQuotaService(opts: QuotaServiceOptions): Promise<QuotaService> {
  const { logger, config } = opts;
  const quota = config.quota;
  const registry = createMetricsRegistry('quota');
  const metrics = createQuotaMetrics(registry);
  const redis = connectRedis(opts.redis.url, logger);
  const store = new QuotaStore(redis, { eventMarkerTtlS: EVENT_MARKER_TTL_S });
  const costs = new CostModel(config);
  const unpriced = costs.unpricedDeployments(new Date());
  if (unpriced.length > 0) logger.warn({ deployments: unpriced }, 'deployments without a price cost nothing against budgets');

  const admit = createAdmission({
    store,
    quota,
    costs,
    currency: config.prices.currency,
    failure: new FailurePolicy(quota.failurePolicy, { logger, metrics, logIntervalMs: 10_000 }),
    metrics,
    logger,
  });
  const leases = createLeaseHandlers({ store, quota, metrics });

  let ops: Server | undefined;
  let nc: NatsConnection | undefined;
  let service: Awaited<ReturnType<typeof startService>> | undefined;
  let reconciler: UsageReconciler | undefined;
  let sweeper: LeaseSweeper | undefined;
  const close = async () => {
    if (service) await stopService(service);
    await sweeper?.close();
    await reconciler?.close();
    if (nc && !nc.isClosed()) await nc.drain();
    if (isRedisReady(redis)) await redis.quit();
    else redis.disconnect();
    if (ops) await closeServer(ops);
  };

  try {
    // Ops first, so that the process answers /healthz (and /readyz: not ready) while NATS is still coming up.
    ops = await startOpsServer({
      port: opts.ops.port,
      host: opts.ops.host,
      registry,
      ready: () => nc !== undefined && isBusReady(nc) && isRedisReady(redis),
    });
    nc = await connectBus({ servers: opts.nats.servers, name: 'quota', logger });
    await redisReadyWithin(redis, opts.redis.startupWaitMs ?? REDIS_FAILURE_POLICY.startupWaitMs);
    service = await startService(
      nc,
      'quota',
      [endpoint(Admit, admit), endpoint(Renew, leases.renew), endpoint(Release, leases.release)],
      logger,
    );
    reconciler = startUsageReconciler({
      nc,
      store,
      costs,
      quota,
      metrics,
      logger,
      options: { ackWaitMs: 30_000, retryDelayMs: 1000, batchWindowMs: 20, ...opts.reconciler },
    });
    sweeper = startLeaseSweeper({ store, intervalMs: opts.sweepIntervalMs ?? 1000, batch: 200, metrics, logger });
  } catch (err) {
    await close();
    throw err;
  }
  return { opsPort: (ops.address() as AddressInfo).port, reconciling: () => reconciler?.running() ?? false, close };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // Keep-alive connections (a scraper, a probe) would otherwise hold the close open until they time out.
    server.closeIdleConnections();
  });
}
