import type { Request, Response } from 'express';
import type { BusClient } from '@aigw/bus';
import { allowsModel, ListModels } from '@aigw/contracts';
import type { Authenticate } from '../../auth/authenticate';
import { telemetryOf } from '../../telemetry/request-telemetry';
import { contextOf } from '../request-context';

/** `GET /v1/models` in OpenAI's list format, from the router's aliases; a key is required, as with OpenAI. */
export function modelsRoute(deps: { bus: BusClient; authenticate: Authenticate }) {
  return async (req: Request, res: Response): Promise<void> => {
    const ctx = contextOf(res);
    ctx.route = 'models';
    const principal = (ctx.principal = await deps.authenticate(req));
    const { models } = await deps.bus.request(ListModels, {}, { context: telemetryOf(res).context });
    const payload = JSON.stringify({
      object: 'list',
      data: models.filter((m) => allowsModel(principal, m.id)).map((m) => ({ id: m.id, object: 'model', created: m.created, owned_by: m.ownedBy })),
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
    res.end(payload);
  };
}
