import type { Request, Response } from 'express';
import type { Registry } from 'prom-client';

/** `/healthz` (the process runs), `/readyz` (it can serve: the bus is up and it is not shutting down), `/metrics`. */
export function opsRoutes(deps: { registry: Registry; ready: () => boolean }) {
  return {
    healthz: (_req: Request, res: Response) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    },
    readyz: (_req: Request, res: Response) => {
      const ready = deps.ready();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(`{"status":"${ready ? 'ready' : 'not_ready'}"}`);
    },
    metrics: async (_req: Request, res: Response) => {
      const body = await deps.registry.metrics();
      res.writeHead(200, { 'content-type': deps.registry.contentType }).end(body);
    },
  };
}
