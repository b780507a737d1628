import express, { type NextFunction, type Request, type Response } from 'express';
import { ErrorCode, NotFoundError } from '@aigw/contracts';
import type { Logger } from '@aigw/telemetry';
import type { ProxyMetrics } from '../metrics';
import { sendClientError, toErrorReply } from './error-map';
import { ClientGoneError, discardRest } from './read-body';
import { contextOf, formatOf, requestContext } from './request-context';
import { countTokensRoute } from './routes/count-tokens';
import { inferenceRoute, type InferenceDeps } from './routes/inference';
import { modelRoute, modelsRoute } from './routes/models';
import { opsRoutes } from './routes/ops';
import { createInferenceMetrics } from '../telemetry/inference-metrics';
import { requestTelemetry } from '../telemetry/request-telemetry';

export interface AppDeps extends InferenceDeps {
  logger: Logger;
  metrics: ProxyMetrics;
  ready: () => boolean;
  isClosing: () => boolean;
}

/**
 * The HTTP surface. Nothing parses bodies up front (the inference route reads the raw bytes itself), and
 * express's per-response extras (ETag, x-powered-by, query parsing) are off: none of them is needed here.
 */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', false);

  const ops = opsRoutes({ registry: deps.metrics.registry, ready: deps.ready });
  app.get('/healthz', ops.healthz);
  app.get('/readyz', ops.readyz);
  app.get('/metrics', ops.metrics);

  app.use(requestContext({ logger: deps.logger, metrics: deps.metrics, isClosing: deps.isClosing }));
  app.use(requestTelemetry(createInferenceMetrics(deps.metrics.registry)));
  app.post('/v1/chat/completions', inferenceRoute('chat', deps));
  app.post('/v1/embeddings', inferenceRoute('embeddings', deps));
  app.post('/v1/responses', inferenceRoute('responses', deps));
  app.post('/v1/responses/input_tokens', countTokensRoute('responses', deps));
  app.post('/v1/messages', inferenceRoute('messages', deps));
  app.post('/v1/messages/count_tokens', countTokensRoute('messages', deps));
  app.get('/v1/models', modelsRoute(deps));
  app.get('/v1/models/*model', modelRoute(deps));
  app.use((req: Request) => {
    throw new NotFoundError(req.method, req.path);
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ClientGoneError || res.destroyed) return;
    // Named here: the failure surfaced after an await, where the request's trace is no longer the active one.
    const ctx = contextOf(res);
    const ids = { reqId: ctx?.id, traceId: ctx?.traceId };
    if (res.headersSent) {
      deps.logger.error({ err, ...ids }, 'failure after the response started');
      res.destroy();
      return;
    }
    const reply = toErrorReply(err);
    if (reply.body.error.code === ErrorCode.RequestTooLarge) discardRest(req);
    if (reply.status >= 500 && reply.body.error.code === ErrorCode.Internal) {
      deps.logger.error({ err, ...ids }, 'unexpected failure');
    }
    sendClientError(res, formatOf(req, ctx), reply.status, reply.body, reply.headers);
  });
  return app;
}
