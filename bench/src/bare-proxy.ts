import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Pool } from 'undici';

/**
 * The least a Node proxy can do: forward each request to one upstream and stream the answer back, with no
 * auth, quota, routing, metering, parsing or telemetry. The bench runs it as a process of its own beside the
 * gateway (`--bare`), so that what one more Node hop costs on this machine is measured in the same run as
 * what the gateway adds.
 *
 * Given a NATS server and subjects, it first asks each subject once per request, all at once, and forwards
 * when every answer is in (`--bare-round-trips`, with `echo-service.ts` answering): the gateway's admission
 * and route round trips with nothing decided.
 *
 * Run as `node --import tsx bare-proxy.ts <upstream origin> [<nats url> <subject>...]`; it prints its port
 * on stdout when it listens.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'proxy-connection', 'upgrade', 'te', 'trailer']);

function endToEnd(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

/** What the gateway's proxy asks quota, in size: ids, the model and the tokens to reserve. */
const ASK = new TextEncoder().encode(
  JSON.stringify({ requestId: `req_${'0'.repeat(32)}`, keyId: 'key_bench', tenantId: 'bench', model: 'bench-model', promptTokens: 12, maxTokens: 4096 }),
);

const [upstream, natsUrl, ...subjects] = process.argv.slice(2);
if (!upstream || (natsUrl && subjects.length === 0)) throw new Error('usage: bare-proxy.ts <upstream origin> [<nats url> <subject>...]');
const pool = new Pool(upstream, { connections: 1024, keepAliveTimeout: 30_000 });

const fail = (res: ServerResponse, err: Error) => {
  // Once the answer has started, only cutting it off tells the client it is incomplete.
  if (res.headersSent) res.destroy(err);
  else res.writeHead(502, { 'content-type': 'text/plain' }).end(err.message);
};

const forward = (req: IncomingMessage, res: ServerResponse) =>
  pool
    .stream({ method: req.method as 'POST', path: req.url!, headers: endToEnd(req.headers), body: req }, ({ statusCode, headers }) => {
      res.writeHead(statusCode, endToEnd(headers));
      return res;
    })
    .catch((err: Error) => fail(res, err));

const askAll = (nc: NatsConnection) => Promise.all(subjects.map((subject) => nc.request(subject, ASK, { timeout: 5_000 })));

void (async () => {
  const nc = natsUrl ? await connect({ servers: natsUrl, name: 'bench-bare-proxy' }) : undefined;
  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    if (!nc) return void forward(req, res);
    askAll(nc).then(
      () => forward(req, res),
      (err: Error) => fail(res, err),
    );
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
})();
