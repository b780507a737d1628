import type { AddressInfo } from 'node:net';
import { Counter } from 'prom-client';
import { connectBus, endpoint, isBusReady, startService, stopService } from '@aigw/bus';
import type { GatewayConfig } from '@aigw/config';
import { ListModels, ModelNotFoundError, Route, type ListModelsResponse } from '@aigw/contracts';
import { createMetricsRegistry, startOpsServer, type Logger } from '@aigw/telemetry';
import { buildCatalogue } from './catalogue';

export interface RouterServiceOptions {
  natsUrl: string;
  /** Port of `/healthz`, `/readyz` and `/metrics`; 0 picks a free one. */
  opsPort: number;
  config: Pick<GatewayConfig, 'providers' | 'deployments' | 'models'>;
  logger: Logger;
}

export interface RouterService {
  /** Port the ops server listens on. */
  opsPort: number;
  /** Stops taking requests, answers the ones in flight, then closes NATS and the ops server. */
  close(): Promise<void>;
}

/** Starts the router: answers `router.v1.route` and `router.v1.list-models` from the config's catalogue. */
export async function startRouterService(opts: RouterServiceOptions): Promise<RouterService> {
  const { logger } = opts;
  const catalogue = buildCatalogue(opts.config);
  // Aliases come from config, which has no creation time; the boot time is stable for the process.
  const created = Math.floor(Date.now() / 1000);
  const models: ListModelsResponse = {
    models: [...catalogue.values()].map((entry) => ({ id: entry.alias, created, ownedBy: entry.candidates[0]!.provider })),
  };

  const registry = createMetricsRegistry('router');
  const routes = new Counter({
    name: 'aigw_router_routes_total',
    help: 'Route requests answered, by result (ok or model_not_found).',
    labelNames: ['result'],
    registers: [registry],
  });

  const nc = await connectBus({ servers: opts.natsUrl, name: 'router', logger });
  const ops = await startOpsServer({ port: opts.opsPort, registry, ready: () => isBusReady(nc) });
  const service = await startService(
    nc,
    'router',
    [
      endpoint(Route, async ({ model }) => {
        const entry = catalogue.get(model);
        if (!entry) {
          routes.inc({ result: 'model_not_found' });
          throw new ModelNotFoundError(model);
        }
        routes.inc({ result: 'ok' });
        return entry;
      }),
      endpoint(ListModels, async () => models),
    ],
    logger,
  );
  logger.info({ aliases: [...catalogue.keys()] }, 'catalogue loaded');

  return {
    opsPort: (ops.address() as AddressInfo).port,
    async close() {
      await stopService(service);
      await nc.drain();
      await new Promise<void>((resolve) => ops.close(() => resolve()));
    },
  };
}
