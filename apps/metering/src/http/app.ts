import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import { NotFoundError } from '@aigw/contracts';
import type { Logger } from '@aigw/telemetry';
import type { BudgetResolver } from '../budgets';
import type { Ledger } from '../ledger';
import type { MeteringMetrics } from '../metrics';
import type { Authenticate } from '@aigw/auth-client';
import { edgeErrorHandler, securityHeaders } from '@aigw/http-edge';
import { spendRouter } from './spend-route';
import { usageRouter } from './usage-route';

export interface AppDeps {
  ledger: Ledger;
  budgets: BudgetResolver;
  /** Who calls, from the shared edge authenticator (`@aigw/auth-client`). */
  authenticate: Authenticate;
  registry: Registry;
  metrics: MeteringMetrics;
  logger: Logger;
  /** Each dependency the service needs to be useful, and whether it is usable now. */
  readiness: () => Record<string, boolean>;
}

/** The metering HTTP API plus the operations endpoints, which need no key. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // The simple parser turns a repeated parameter into an array, which the route refuses.
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    res.on('finish', () => {
      const route = req.route?.path ?? 'unmatched';
      deps.metrics.httpRequests.inc({ route, status: String(res.statusCode) });
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const checks = deps.readiness();
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });

  app.use(securityHeaders());
  app.use('/v1', async (req, res, next) => {
    res.locals.principal = await deps.authenticate(req);
    next();
  });
  app.use(usageRouter(deps.ledger, deps.logger));
  app.use(spendRouter(deps.ledger, deps.budgets));

  app.use((req) => {
    throw new NotFoundError(req.method, req.path);
  });
  app.use(edgeErrorHandler(deps.logger));
  return app;
}
