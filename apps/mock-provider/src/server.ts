import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, type Registry } from 'prom-client';
import { describeIssues } from '@aigw/config';
import { createLogger, createMetricsRegistry, type Logger } from '@aigw/telemetry';
import {
  BehaviorPatchSchema,
  BehaviorStore,
  DEFAULT_BEHAVIOR,
  type Behavior,
  type BehaviorPatch,
  type BehaviorState,
} from './behavior';
import { RequestRejected, type Accepted, type Dialect, type Route } from './dialect';
import { DEFAULT_MODELS } from './env';
import { Exchange, sendReply, type Reply } from './exchange';
import { anthropicDialect } from './anthropic';
import { azureDialect } from './azure';
import { geminiDialect } from './gemini';
import { openaiDialect } from './openai';

/** Largest request body read, number of bytes: 32 MiB, Anthropic's documented limit and the gateway's default. */
export const BODY_LIMIT_BYTES = 32 * 1024 * 1024;

export interface MockProviderOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** The only API key accepted; any non-empty one when unset. */
  apiKey?: string;
  /** Behavior at start and after `DELETE /_mock/behavior`; unset fields take the defaults. */
  behavior?: Partial<Behavior>;
  /** Model ids `GET /v1/models` lists. */
  models?: readonly string[];
  logger?: Logger;
  registry?: Registry;
}

export interface MockProvider {
  /** `http://host:port`, without `/v1`. */
  url: string;
  port: number;
  /** Merges a patch into the behavior, as `PUT /_mock/behavior` does; throws on an invalid one. */
  setBehavior(patch: BehaviorPatch): BehaviorState;
  /** Back to the behavior the mock started with, as `DELETE /_mock/behavior` does. */
  resetBehavior(): BehaviorState;
  /** Stops listening and cuts every open connection, streams included. */
  close(): Promise<void>;
}

interface Matched {
  route: Route;
  dialect: Dialect;
  params: readonly string[];
  query: URLSearchParams;
}

const NO_QUERY = new URLSearchParams();

/** Exact routes in a map, patterned ones tried in order; built once per server. */
function routeTable(dialects: readonly Dialect[]) {
  const exact = new Map<string, Matched>();
  const patterns: { method: string; path: RegExp; route: Route; dialect: Dialect }[] = [];
  for (const dialect of dialects) {
    for (const route of dialect.routes) {
      if (typeof route.path === 'string') exact.set(`${route.method} ${route.path}`, { route, dialect, params: [], query: NO_QUERY });
      else patterns.push({ method: route.method, path: route.path, route, dialect });
    }
  }
  return (method: string, path: string, search: string): Matched | undefined => {
    const query = search === '' ? NO_QUERY : new URLSearchParams(search);
    const hit = exact.get(`${method} ${path}`);
    if (hit) return query === NO_QUERY ? hit : { ...hit, query };
    for (const p of patterns) {
      if (p.method !== method) continue;
      const m = p.path.exec(path);
      if (m) return { route: p.route, dialect: p.dialect, params: m.slice(1), query };
    }
    return undefined;
  };
}

function createMetrics(registry: Registry) {
  const requests = new Counter({
    name: 'mock_provider_requests_total',
    help: 'Requests answered, by route and status (reset: connection reset instead of an answer).',
    labelNames: ['route', 'status'],
    registers: [registry],
  });
  const faults = new Counter({
    name: 'mock_provider_faults_total',
    help: 'Requests that drew the configured faults, by kind: status, reset, or midstream / malformed / slow_headers for those still answered.',
    labelNames: ['kind'],
    registers: [registry],
  });
  const children = new Map<string, Counter.Internal>();
  return {
    answered(route: string, status: number | 'reset'): void {
      const key = `${route} ${status}`;
      let child = children.get(key);
      if (!child) {
        child = requests.labels(route, String(status));
        children.set(key, child);
      }
      child.inc();
    },
    faulted(kind: 'status' | 'reset' | 'midstream' | 'malformed' | 'slow_headers'): void {
      faults.inc({ kind });
    },
  };
}

/** Reads the whole body; `undefined` when it exceeds the limit. */
function readBody(req: IncomingMessage, done: (body: Buffer | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (chunk: Buffer) => {
    if (over) return;
    size += chunk.length;
    if (size > BODY_LIMIT_BYTES) {
      over = true;
      chunks.length = 0;
      done(undefined);
    } else chunks.push(chunk);
  });
  req.on('end', () => {
    if (!over) done(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
  });
}

function json(res: ServerResponse, status: number, value: unknown): void {
  sendReply(res, { status, body: JSON.stringify(value) });
}

/**
 * Starts the mock provider: the OpenAI API under `/v1`, Anthropic's under `/anthropic/v1`, Gemini's under
 * `/gemini/v1beta`, Azure OpenAI's under `/azure/openai`, the control endpoint `/_mock/behavior`, and
 * `/healthz`, `/readyz`, `/metrics`, all on one port. Each dialect is an entry of `dialects`; nothing here
 * knows any provider.
 */
export async function startMockProvider(opts: MockProviderOptions = {}): Promise<MockProvider> {
  const logger = opts.logger ?? createLogger('mock-provider', 'silent');
  const registry = opts.registry ?? createMetricsRegistry('mock-provider');
  const metrics = createMetrics(registry);
  const store = new BehaviorStore({ ...DEFAULT_BEHAVIOR, ...opts.behavior });
  const models = opts.models ?? DEFAULT_MODELS;
  const startedAt = new Date();
  const dialects = [
    openaiDialect({ apiKey: opts.apiKey, models, modelsCreated: Math.floor(startedAt.getTime() / 1000) }),
    anthropicDialect({ apiKey: opts.apiKey, models, modelsCreatedAt: startedAt.toISOString() }),
    geminiDialect({ apiKey: opts.apiKey, models }),
    azureDialect({ apiKey: opts.apiKey }),
  ];
  const match = routeTable(dialects);

  const answer = (res: ServerResponse, route: string, reply: Reply, headers: OutgoingHttpHeaders) => {
    metrics.answered(route, reply.status);
    sendReply(res, reply, headers);
  };

  /** A bug in a route: answered like a provider's own failure rather than crashing the process. */
  const failed = (m: Matched, res: ServerResponse, headers: OutgoingHttpHeaders, err: unknown) => {
    logger.error({ err, route: m.route.name }, 'route failed');
    if (res.headersSent) res.destroy();
    else answer(res, m.route.name, m.dialect.fault(500, DEFAULT_BEHAVIOR), headers);
  };

  const respond = (m: Matched, accepted: Accepted, x: Exchange, headers: OutgoingHttpHeaders) => {
    try {
      accepted.respond(x);
    } catch (err) {
      return failed(m, x.res, headers, err);
    }
    metrics.answered(m.route.name, 200);
  };

  const dispatch = (m: Matched, body: unknown, req: IncomingMessage, res: ServerResponse, headers: OutgoingHttpHeaders) => {
    let accepted: Accepted;
    try {
      accepted = m.route.accept(body, m.params, m.query, req.headers);
    } catch (err) {
      if (err instanceof RequestRejected) return answer(res, m.route.name, err.reply, headers);
      return failed(m, res, headers, err);
    }
    const behavior = store.get(accepted.model);
    const faulted = store.drawFault(accepted.model, behavior);
    const x = new Exchange(res, behavior, faulted, headers);
    if (!faulted) return respond(m, accepted, x, headers);
    x.after(behavior.faultSlowHeadersMs, () => {
      if (res.destroyed) return;
      if (behavior.faultReset) {
        metrics.faulted('reset');
        metrics.answered(m.route.name, 'reset');
        req.socket.resetAndDestroy();
      } else if (behavior.faultStatus !== null) {
        metrics.faulted('status');
        answer(res, m.route.name, m.dialect.fault(behavior.faultStatus, behavior), headers);
      } else {
        metrics.faulted(behavior.faultMalformed ? 'malformed' : behavior.faultMidstreamAfter !== null ? 'midstream' : 'slow_headers');
        respond(m, accepted, x, headers);
      }
    });
  };

  const control = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET') return json(res, 200, store.state());
    if (req.method === 'DELETE') return json(res, 200, store.reset());
    if (req.method !== 'PUT') return json(res, 405, { error: { message: 'use GET, PUT or DELETE', type: 'invalid_request_error' } });
    readBody(req, (buf) => {
      let raw: unknown;
      try {
        raw = buf === undefined ? undefined : JSON.parse(buf.toString('utf8'));
      } catch {
        return json(res, 400, { error: { message: 'the body is not valid JSON', type: 'invalid_request_error' } });
      }
      const patch = BehaviorPatchSchema.safeParse(raw);
      if (!patch.success) {
        return json(res, 400, { error: { message: describeIssues(patch.error).join('; '), type: 'invalid_request_error' } });
      }
      const state = store.patch(patch.data);
      logger.info({ behavior: state }, 'behavior changed');
      json(res, 200, state);
    });
  };

  const ops = (req: IncomingMessage, res: ServerResponse, path: string): boolean => {
    if (req.method !== 'GET') return false;
    if (path === '/healthz') json(res, 200, { status: 'ok' });
    else if (path === '/readyz') json(res, 200, { status: 'ready' });
    else if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else return false;
    return true;
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';
    const m = match(method, path, q < 0 ? '' : url.slice(q + 1));
    if (!m) {
      if (path === '/_mock/behavior') return control(req, res);
      if (ops(req, res, path)) return;
      const fallback = dialects.find((d) => d.prefix !== undefined && path.startsWith(`${d.prefix}/`)) ?? dialects[0];
      return answer(res, 'unmatched', fallback.notFound(method, path), fallback.responseHeaders());
    }
    const headers = m.dialect.responseHeaders();
    const denied = m.dialect.authenticate(req.headers);
    if (denied) return answer(res, m.route.name, denied, headers);
    if (m.route.method === 'GET') return dispatch(m, undefined, req, res, headers);
    readBody(req, (buf) => {
      if (buf === undefined) {
        return answer(res, m.route.name, m.dialect.bodyTooLarge(BODY_LIMIT_BYTES), { ...headers, connection: 'close' });
      }
      let body: unknown;
      try {
        body = JSON.parse(buf.toString('utf8'));
      } catch {
        return answer(res, m.route.name, m.dialect.invalidJson(), headers);
      }
      dispatch(m, body, req, res, headers);
    });
  };

  const server = createServer({ noDelay: true }, onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address, family } = server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}`,
    port,
    setBehavior: (patch) => store.patch(BehaviorPatchSchema.parse(patch)),
    resetBehavior: () => store.reset(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
