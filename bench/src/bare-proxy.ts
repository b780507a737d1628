import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

/**
 * The least a Node proxy can do: forward each request to one upstream and stream the answer back, with no
 * auth, quota, routing, metering, parsing or telemetry. The bench runs it as a process of its own beside the
 * gateway (`--bare`), so that what one more Node hop costs on this machine is measured in the same run as
 * what the gateway adds.
 *
 * Run as `node --import tsx bare-proxy.ts <upstream origin>`; it prints its port on stdout when it listens.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'proxy-connection', 'upgrade', 'te', 'trailer']);

function endToEnd(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

const upstream = process.argv[2];
if (!upstream) throw new Error('usage: bare-proxy.ts <upstream origin>');
const pool = new Pool(upstream, { connections: 1024, keepAliveTimeout: 30_000 });

const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
  pool
    .stream({ method: req.method as 'POST', path: req.url!, headers: endToEnd(req.headers), body: req }, ({ statusCode, headers }) => {
      res.writeHead(statusCode, endToEnd(headers));
      return res;
    })
    .catch((err: Error) => {
      // Once the answer has started, only cutting it off tells the client it is incomplete.
      if (res.headersSent) res.destroy(err);
      else res.writeHead(502, { 'content-type': 'text/plain' }).end(err.message);
    });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
