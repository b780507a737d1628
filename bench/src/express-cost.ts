import { fork } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Pool } from 'undici';

/**
 * What express's router costs the proxy per request: `node --import tsx bench/src/express-cost.ts`.
 *
 * A server process with an express app of the proxy's shape (the ops routes, two middleware, the six
 * inference routes, the models routes, a 404 and an error handler, the same settings) answers POSTs to
 * /v1/chat/completions with a small JSON body, once through express and once past its router, as the proxy's
 * `createApp` dispatches its inference routes; this process loads it with 50 keep-alive clients, 5 s a
 * round, the two interleaved, and prints the server's CPU microseconds per request for each.
 */
const ROUNDS = 3;
const ROUND_MS = 5_000;
const CLIENTS = 50;

type Variant = 'express' | 'past its router';

function serve(): void {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', false);
  const ok = (_req: Request, res: Response) => void res.end('ok');
  app.get('/healthz', ok);
  app.get('/readyz', ok);
  app.get('/metrics', ok);
  const context = (_req: Request, res: Response, next: NextFunction) => {
    res.locals.ctx = { startedAt: performance.now() };
    res.setHeader('x-request-id', 'req_1');
    next();
  };
  const telemetry = (_req: Request, res: Response, next: NextFunction) => {
    res.locals.telemetry = {};
    next();
  };
  const route = async (req: Request, res: Response) => {
    for await (const _chunk of req);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  };
  app.use(context);
  app.use(telemetry);
  for (const path of ['/v1/chat/completions', '/v1/embeddings', '/v1/responses', '/v1/responses/input_tokens', '/v1/messages', '/v1/messages/count_tokens']) {
    app.post(path, route);
  }
  app.get('/v1/models', ok);
  app.get('/v1/models/*model', ok);
  app.use(() => {
    throw new Error('not found');
  });
  app.use((_err: unknown, _req: Request, res: Response, _next: NextFunction) => void res.status(404).end());

  // As `createApp` does (its `adopt`), less the two back references, which these handlers do not use.
  const pastRouter = (req: IncomingMessage, res: ServerResponse) => {
    const request = Object.setPrototypeOf(req, app.request) as Request;
    const response = Object.setPrototypeOf(res, app.response) as Response;
    response.locals = Object.create(null) as Response['locals'];
    context(request, response, () => telemetry(request, response, () => void route(request, response)));
  };

  let variant: Variant = 'express';
  const server = createServer((req, res) => (variant === 'express' ? app(req, res) : pastRouter(req, res)));
  process.on('message', (m: { variant: Variant } | 'cpu') => {
    if (m === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send!(user + system);
    } else {
      variant = m.variant;
      process.send!('ok');
    }
  });
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as AddressInfo).port));
}

async function measure(): Promise<void> {
  const child = fork(__filename, ['serve'], { execArgv: ['--import', 'tsx'] });
  const next = () => new Promise<unknown>((resolve) => child.once('message', resolve));
  const port = (await next()) as number;
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CLIENTS });
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Tell me something about benchmarks.' }] });
  const load = async (ms: number): Promise<number> => {
    const end = Date.now() + ms;
    let done = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (Date.now() < end) {
          const res = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body });
          await res.body.arrayBuffer();
          done += 1;
        }
      }),
    );
    return done;
  };
  const cpuUs = async () => {
    child.send('cpu');
    return (await next()) as number;
  };
  const perRequest: Record<Variant, number[]> = { express: [], 'past its router': [] };
  for (let round = -1; round < ROUNDS; round += 1) {
    for (const variant of Object.keys(perRequest) as Variant[]) {
      child.send({ variant });
      await next();
      const before = await cpuUs();
      const requests = await load(round < 0 ? 2_000 : ROUND_MS);
      const used = (await cpuUs()) - before;
      // The first round only warms both up.
      if (round >= 0) perRequest[variant].push(used / requests);
    }
  }
  for (const [variant, values] of Object.entries(perRequest)) {
    console.log(`${variant}: ${values.map((v) => v.toFixed(1)).join(', ')} µs of server CPU per request`);
  }
  await pool.close();
  child.kill();
}

if (process.argv[2] === 'serve') serve();
else void measure();
