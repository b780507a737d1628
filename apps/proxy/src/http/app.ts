import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { NotFoundError } from '@aigw/contracts';
import { drainBody, isOwnFailure, toErrorReply } from '@aigw/http-edge';
import type { Logger } from '@aigw/telemetry';
import type { ProxyMetrics } from '../metrics';
import { sendClientError } from './error-map';
import { ClientGoneError } from '../request/client-gone-error';
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

type Route = (req: Request, res: Response) => Promise<void>;

/**
 * The HTTP surface. Nothing parses bodies up front (the inference routes read the raw bytes themselves), and
 * express's per-response extras (ETag, x-powered-by, query parsing) are off: none of them is needed here.
 *
 * The inference routes on their exact paths skip express's router: walking its layers cost 45–80 µs of CPU
 * per request on the VM where it was measured, about a third of all an express server spends on a request
 * (`node --import tsx bench/src/express-cost.ts`). Those requests go through the same middleware, route and
 * error handler, on the same objects express would make of them (`adopt`); express still serves every
 * path, these with a query string or a trailing slash too.
 */
export function createApp(deps: AppDeps): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', false);

  const ops = opsRoutes({ registry: deps.metrics.registry, ready: deps.ready });
  app.get('/healthz', ops.healthz);
  app.get('/readyz', ops.readyz);
  app.get('/metrics', ops.metrics);

  const openContext = requestContext({ logger: deps.logger, metrics: deps.metrics, isClosing: deps.isClosing });
  const traceRequest = requestTelemetry(createInferenceMetrics(deps.metrics.registry));
  app.use(openContext);
  app.use(traceRequest);
  const inference = new Map<string, Route>([
    ['/v1/chat/completions', inferenceRoute('chat', deps)],
    ['/v1/embeddings', inferenceRoute('embeddings', deps)],
    ['/v1/responses', inferenceRoute('responses', deps)],
    ['/v1/responses/input_tokens', countTokensRoute('responses', deps)],
    ['/v1/messages', inferenceRoute('messages', deps)],
    ['/v1/messages/count_tokens', countTokensRoute('messages', deps)],
  ]);
  for (const [path, route] of inference) app.post(path, route);
  app.get('/v1/models', modelsRoute(deps));
  app.get('/v1/models/*model', modelRoute(deps));
  app.use((req: Request) => {
    throw new NotFoundError(req.method, req.path);
  });
  const answerError = (err: unknown, req: Request, res: Response) => {
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
    if (isOwnFailure(reply)) deps.logger.error({ err, ...ids }, 'unexpected failure');
    sendClientError(res, formatOf(req, ctx), reply.status, reply.body, reply.headers);
    // Refused before its body was read (no key, too large, ...): the rest is read and dropped, within bounds.
    drainBody(req);
  };
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => answerError(err, req, res));

  return (req, res) => {
    const path = req.url!;
    const route = req.method === 'POST' ? inference.get(path) : undefined;
    if (route === undefined) return void app(req, res);
    const [request, response] = adopt(app, req, res);
    const fail = (err: unknown) => answerError(err, request, response);
    try {
      openContext(request, response, () => {
        contextOf(response).httpRoute = path;
        traceRequest(request, response, () => void route(request, response).catch(fail));
      });
    } catch (err) {
      fail(err);
    }
  };
}

/** What express's `app.handle` makes of every request before routing it: its `Request` and `Response`. */
function adopt(app: Express, req: IncomingMessage, res: ServerResponse): [Request, Response] {
  Object.setPrototypeOf(req, app.request);
  Object.setPrototypeOf(res, app.response);
  const request = req as Request;
  const response = res as Response;
  request.res = response;
  response.req = request;
  response.locals = Object.create(null) as Response['locals'];
  return [request, response];
}
