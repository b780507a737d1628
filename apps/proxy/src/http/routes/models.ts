import type { Request, Response } from 'express';
import type { BusClient } from '@aigw/bus';
import { allowsModel, ListModels, ModelNotFoundError } from '@aigw/contracts';
import { clientFormats } from '@aigw/providers';
import type { Authenticate } from '@aigw/auth-client';
import { telemetryOf } from '../../telemetry/request-telemetry';
import { contextOf, formatOf } from '../request-context';

interface ModelsDeps {
  bus: BusClient;
  authenticate: Authenticate;
}

/**
 * `GET /v1/models`: the router's aliases this key may use, in the client API's list shape (OpenAI's list, or
 * Anthropic's pages for a client that sends `anthropic-version`). A key is required, as with both providers.
 */
export function modelsRoute(deps: ModelsDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const { format, models } = await allowedModels(deps, req, res, 'models');
    sendJson(res, clientFormats[format].modelList(models, new URL(req.url, 'http://gateway').searchParams));
  };
}

/** `GET /v1/models/{model}`: one alias as the client API's model object; 404 for one the key may not use or that does not exist. */
export function modelRoute(deps: ModelsDeps) {
  return async (req: Request<{ model: string[] }>, res: Response): Promise<void> => {
    const { format, models } = await allowedModels(deps, req, res, 'model');
    // Aliases may hold slashes (`team/gpt`): the route's wildcard gives their segments.
    const id = req.params.model.join('/');
    const model = models.find((m) => m.id === id);
    if (!model) throw new ModelNotFoundError(id);
    sendJson(res, clientFormats[format].model(model));
  };
}

async function allowedModels(deps: ModelsDeps, req: Request, res: Response, route: string) {
  const ctx = contextOf(res);
  ctx.route = route;
  const format = (ctx.format = formatOf(req, undefined));
  const principal = (ctx.principal = await deps.authenticate(req));
  const { models } = await deps.bus.request(ListModels, {}, { context: telemetryOf(res).context });
  return { format, models: models.filter((m) => allowsModel(principal, m.id)) };
}

function sendJson(res: Response, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
