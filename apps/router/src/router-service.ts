import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { connectBus, endpoint, isBusReady, startService, stopService } from '@aigw/bus';
import { ConfigError, parseRoutingDocument, routingDocumentOf, type GatewayConfig, type RoutingDocument } from '@aigw/config';
import { GatewayError, ListModels, Route, type ListModelsResponse } from '@aigw/contracts';
import { createMetricsRegistry, startOpsServer, type Logger } from '@aigw/telemetry';
import { openRoutingBucket, seedRouting, watchRouting } from './config/routing-store';
import { listenToAttempts } from './health/attempt-listener';
import type { CircuitState } from './health/circuit-breaker';
import { openRouterStateBucket, startCircuitSync } from './health/circuit-sync';
import { startHealthChecker, type ProbeTarget } from './health/health-checker';
import { HealthBoard } from './health/health-board';
import { registerHealthGauges } from './health/health-gauges';
import { createRouterMetrics } from './metrics';
import { RoutePlanner } from './route-planner';

export interface RouterServiceOptions {
  natsUrl: string;
  /** Port of `/healthz`, `/readyz` and `/metrics`; 0 picks a free one. */
  opsPort: number;
  /** Interface of the ops endpoints; loopback by default. */
  opsHost?: string;
  /** The config file: its routing part seeds the KV on first start, its prices rank strategy `cost`. */
  config: Pick<GatewayConfig, 'providers' | 'deployments' | 'models' | 'routing' | 'prices'>;
  logger: Logger;
  /** This replica's name in shared state; unique by default. */
  replicaId?: string;
}

export interface RouterService {
  /** Port the ops server listens on. */
  opsPort: number;
  replicaId: string;
  /** KV revision of the routing configuration in force. */
  configRevision(): number;
  /** Every known deployment's standing now: circuit state, or `cooling` after a 429. */
  standings(): Record<string, CircuitState | 'cooling'>;
  /** Runs a health-check round now, as the interval timer would. */
  checkHealth(): Promise<void>;
  /** Stops taking requests, answers the ones in flight, then closes NATS and the ops server. */
  close(): Promise<void>;
}

/** How often attempts that never finished and reservations that never started are dropped. */
const SWEEP_INTERVAL_MS = 5_000;

/**
 * Starts the router: answers `router.v1.route` and `router.v1.list-models` from the routing configuration in
 * NATS KV (seeded from the config file on first start, watched for changes), ranking deployments by each
 * alias's strategy and by their health as the attempt reports of every proxy tell it.
 */
export async function startRouterService(opts: RouterServiceOptions): Promise<RouterService> {
  const { logger } = opts;
  const replicaId = opts.replicaId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const fileDoc = routingDocumentOf(opts.config);

  const nc = await connectBus({ servers: opts.natsUrl, name: 'router', logger });
  const [routingKv, stateKv] = await Promise.all([openRoutingBucket(nc), openRouterStateBucket(nc)]);
  if ((await seedRouting(routingKv, fileDoc)) === 'seeded') logger.info('routing configuration seeded into KV from the config file');

  let settings = fileDoc.routing;
  const board = new HealthBoard({
    settings: () => settings,
    replicaId,
    // Proposals come from attempt reports, which are listened to only once `sync` exists.
    onProposal: (deploymentId, record) => {
      metrics.circuitChanges.inc({ state: record.state });
      sync.share(deploymentId, record);
    },
  });
  const registry = createMetricsRegistry('router');
  const metrics = createRouterMetrics(registry, board);

  // The first value the watch delivers is the stored one: the service starts once a configuration is in force.
  let planner: RoutePlanner | undefined;
  let revision = 0;
  let configWatch: { stop(): void } | undefined;
  await new Promise<void>((resolve) => {
    const apply = (value: unknown, rev: number) => {
      const first = planner === undefined;
      let doc: RoutingDocument;
      try {
        if (value === undefined) throw new ConfigError(`KV revision ${rev}`, ['the routing configuration was deleted']);
        doc = parseRoutingDocument(value, `KV revision ${rev}`);
        if (planner) planner.setConfig(doc);
        else planner = new RoutePlanner(doc, board, opts.config.prices);
      } catch (err) {
        metrics.configUpdates.inc({ result: 'rejected' });
        const problems = err instanceof ConfigError ? err.problems : [(err as Error).message];
        if (first) {
          planner = new RoutePlanner(fileDoc, board, opts.config.prices);
          logger.error({ revision: rev, problems }, 'stored routing configuration rejected; the config file\'s is in force until a valid one is stored');
          resolve();
        } else {
          logger.warn({ revision: rev, problems, inForce: revision }, 'routing configuration rejected; the one in force stays');
        }
        return;
      }
      settings = doc.routing;
      revision = rev;
      metrics.configUpdates.inc({ result: 'applied' });
      logger.info({ revision: rev, aliases: Object.keys(doc.models) }, 'routing configuration in force');
      if (first && JSON.stringify(doc) !== JSON.stringify(fileDoc)) {
        logger.warn({ revision: rev }, 'the routing configuration in KV differs from the config file; KV wins (`npm run routes -- import` applies the file)');
      }
      resolve();
    };
    void watchRouting(routingKv, apply).then((w) => (configWatch = w));
  });
  const current = () => planner!;
  registerHealthGauges(registry, board, () => Object.keys(current().doc.deployments));

  const sync = await startCircuitSync(
    stateKv,
    (deploymentId, record) => {
      if (board.applyCircuit(deploymentId, record)) metrics.circuitChanges.inc({ state: record.state });
    },
    logger,
  );
  const startedReports = metrics.attemptEvents.labels('started');
  const finishedReports = metrics.attemptEvents.labels('finished');
  const attempts = listenToAttempts(
    nc,
    board,
    (started, finished) => {
      if (started > 0) startedReports.inc(started);
      if (finished > 0) finishedReports.inc(finished);
    },
    logger,
  );
  const sweeper = setInterval(() => board.sweep(), SWEEP_INTERVAL_MS);
  sweeper.unref();
  const checker = startHealthChecker({
    nc,
    kv: stateKv,
    replicaId,
    settings: () => settings.healthCheck,
    targets: () => probeTargets(current().doc),
    onCheck: (outcome) => metrics.healthChecks.inc({ outcome }),
    logger,
  });

  // Aliases come from config, which has no creation time; the boot time is stable for the process.
  const created = Math.floor(Date.now() / 1000);
  const routed = metrics.routes.labels('ok');
  const ops = await startOpsServer({ port: opts.opsPort, host: opts.opsHost, registry, ready: () => isBusReady(nc) });
  const service = await startService(
    nc,
    'router',
    [
      endpoint(Route, async (request) => {
        const started = performance.now();
        try {
          const route = current().route(request);
          routed.inc();
          return route;
        } catch (err) {
          metrics.routes.inc({ result: err instanceof GatewayError ? err.code : 'internal_error' });
          throw err;
        } finally {
          metrics.decisionSeconds.observe((performance.now() - started) / 1000);
        }
      }),
      endpoint(ListModels, async (): Promise<ListModelsResponse> => ({
        models: [...current().catalogue.values()].map((entry) => ({ id: entry.alias, created, ownedBy: entry.members[0]!.deployment.provider })),
      })),
    ],
    logger,
  );

  return {
    opsPort: (ops.address() as AddressInfo).port,
    replicaId,
    configRevision: () => revision,
    standings: () => {
      const now = board.now();
      return Object.fromEntries([...board.entries()].map(([id, health]) => [id, health.standing(now)]));
    },
    checkHealth: () => checker.runOnce(),
    async close() {
      await stopService(service);
      clearInterval(sweeper);
      await checker.stop();
      attempts.close();
      configWatch?.stop();
      sync.stop();
      await nc.drain();
      await new Promise<void>((resolve) => ops.close(() => resolve()));
    },
  };
}

/** One check per upstream base URL, standing for every deployment behind it. */
function probeTargets(doc: RoutingDocument): ProbeTarget[] {
  const targets = new Map<string, ProbeTarget>();
  for (const [id, deployment] of Object.entries(doc.deployments)) {
    const { baseUrl } = doc.providers[deployment.provider]!;
    const target = targets.get(baseUrl) ?? { baseUrl, deploymentIds: [] };
    target.deploymentIds.push(id);
    targets.set(baseUrl, target);
  }
  return [...targets.values()];
}
