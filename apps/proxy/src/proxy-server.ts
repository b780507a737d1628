import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { busLookups, createAuthenticator, followKeyChanges } from '@aigw/auth-client';
import { BusClient, connectBus, ensureUsageStream, EventPublisher, isBusReady } from '@aigw/bus';
import type { AuthConfig } from '@aigw/config';
import { createEdgeServer, DEFAULT_JSON_SHAPE, type EdgeDeadlines, type JsonShapeLimits } from '@aigw/http-edge';
import { createMetricsRegistry, type Logger } from '@aigw/telemetry';
import { createApp } from './http/app';
import { createProxyMetrics } from './metrics';
import { LeaseKeeper } from './quota/lease-keeper';
import { tracedAuthentication } from './telemetry/auth-span';
import { createUpstreamAgent } from './upstream/agent';
import { AttemptReporter } from './upstream/attempt-reporter';
import { DEFAULT_RESILIENCE, type ResiliencePolicy } from './upstream/retry-schedule';
import { startSpoolReplayer } from './usage/spool-replayer';
import { UsagePublisher } from './usage/usage-publisher';
import { createSpoolMetrics, UsageSpool, type UsageSpoolOptions } from './usage/usage-spool';

/** The proxy serves inference; `admin` may use it too (`checkCredential` lets admin through everywhere). */
const PROXY_ROLES = ['client'] as const;

export interface ProxyOptions {
  natsUrl: string;
  port: number;
  host?: string;
  logger: Logger;
  /** Largest request body accepted, number of bytes. */
  maxBodyBytes: number;
  /** How much structure a request body may hold; `DEFAULT_JSON_SHAPE` by default. */
  jsonShape?: JsonShapeLimits;
  /** How long a request may take to arrive; `DEFAULT_EDGE_DEADLINES` by default. */
  deadlines?: EdgeDeadlines;
  /** Deadline of a request to auth, quota or router, number of milliseconds. */
  busTimeoutMs: number;
  /** How long a verified key is trusted, number of milliseconds. */
  authCacheTtlMs: number;
  /** How long a verified key still serves while auth cannot answer; 0: not at all. */
  authStaleIfErrorMs?: number;
  upstream: {
    connections: number;
    connectTimeoutMs: number;
    headersTimeoutMs: number;
    bodyTimeoutMs: number;
  };
  /** How long `close()` lets in-flight requests run on, number of milliseconds. */
  shutdownGraceMs: number;
  /** Upstream deadlines and retry budget; `DEFAULT_RESILIENCE` for what is not given. */
  resilience?: Partial<ResiliencePolicy>;
  /** Where upstream credentials are looked up by env variable name; the process environment by default. */
  credentials?: Readonly<Record<string, string | undefined>>;
  /** The config's `auth:` section (trusted proxies, JWT issuers); none: socket addresses and gateway keys only. */
  auth?: Pick<AuthConfig, 'trustedProxies' | 'jwtIssuers'>;
  /** Where JWT issuers' `secretEnv` are looked up; the process environment by default. */
  authSecrets?: Readonly<Record<string, string | undefined>>;
  /** USAGE stream settings, the same metering provisions it with; the stream's defaults when not given. */
  usageStream?: { replicas: number; maxAgeMs: number };
  /** Where usage events wait on disk while JetStream is unavailable; none: they are retried, then lost. */
  usageSpool?: UsageSpoolOptions;
}

export interface ProxyHandle {
  /** e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Stops taking requests, lets in-flight ones finish (up to the grace period), flushes usage, drains NATS. */
  close(): Promise<void>;
}

export async function startProxy(opts: ProxyOptions): Promise<ProxyHandle> {
  const { logger } = opts;
  const nc = await connectBus({ servers: opts.natsUrl, name: 'proxy', logger, noAsyncTraces: true });
  await ensureUsageStream(nc, opts.usageStream);
  const metrics = createProxyMetrics(createMetricsRegistry('proxy'));
  const bus = new BusClient(nc, { timeoutMs: opts.busTimeoutMs });
  const events = new EventPublisher(nc);
  const spool = opts.usageSpool && (await UsageSpool.open(opts.usageSpool, logger, createSpoolMetrics(metrics.registry)));
  const replayer = spool && startSpoolReplayer({ spool, events, isReady: () => isBusReady(nc), logger });
  const usage = new UsagePublisher(events, logger, metrics, spool);
  const agent = createUpstreamAgent(opts.upstream);
  const attempts = new AttemptReporter(nc);
  const authenticator = createAuthenticator(busLookups(bus), {
    roles: PROXY_ROLES,
    ttlMs: opts.authCacheTtlMs,
    staleIfErrorMs: opts.authStaleIfErrorMs,
    onStale: () => metrics.staleAuth.inc(),
    auth: opts.auth,
    secrets: opts.authSecrets ?? process.env,
  });
  followKeyChanges(nc, [authenticator], logger);

  let closing = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const app = createApp({
    bus,
    authenticate: tracedAuthentication(authenticator.authenticate),
    agent,
    timeouts: { connectMs: opts.upstream.connectTimeoutMs, headersMs: opts.upstream.headersTimeoutMs, bodyMs: opts.upstream.bodyTimeoutMs },
    maxBodyBytes: opts.maxBodyBytes,
    jsonShape: opts.jsonShape ?? DEFAULT_JSON_SHAPE,
    credentials: opts.credentials ?? process.env,
    usage,
    metrics,
    attempts,
    leases: new LeaseKeeper(bus),
    resilience: { ...DEFAULT_RESILIENCE, ...opts.resilience },
    logger,
    ready: () => !closing && isBusReady(nc),
    isClosing: () => closing,
  });
  const server = createEdgeServer(app, opts.deadlines);
  server.on('request', (_req, res: ServerResponse) => {
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1';
  logger.info({ port }, 'proxy listening');

  let closed: Promise<void> | undefined;
  const close = async () => {
    closing = true;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    if (inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => {
          drained = resolve;
        }),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, opts.shutdownGraceMs);
        }),
      ]);
      clearTimeout(timer);
      if (inFlight > 0) logger.warn({ inFlight }, 'shutdown grace period over, cutting requests still in flight');
    }
    server.closeAllConnections();
    await stopped;
    await usage.flush();
    await replayer?.stop();
    await spool?.close();
    await agent.close();
    attempts.flush();
    await nc.drain();
    logger.info('proxy stopped');
  };
  return {
    url: `http://${host}:${port}`,
    close: () => (closed ??= close()),
  };
}
