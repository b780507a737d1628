import { setFlagsFromString } from 'node:v8';
import { edgeDeadlines, loadEnv, loadGatewayConfig, usageStreamOptions } from '@aigw/config';
import { createLogger, onShutdown } from '@aigw/telemetry';
import { startTracing } from '@aigw/telemetry/sdk';
import { ProxyEnv } from './config';
import { startProxy } from './proxy-server';

// The proxy passes its trace context on across awaits itself (RequestTelemetry.context), which spares it
// Node 20's promise hooks.
startTracing('proxy', { asyncContext: false });

// Under many concurrent streams each request's objects outlive young-generation collections and die in the
// old generation, which V8 lets grow to several times its live size between full collections: 440 MB of
// RSS at 1,000 streams, most of it garbage. Growing it by 70% at most holds that to about 275 MB for some
// 3% more proxy CPU at 2,200 requests/s (docs/performance/journal.md). V8 reads the flag whenever it sets the next limit.
setFlagsFromString('--heap-growing-percent=70');

async function main(): Promise<void> {
  const env = loadEnv(ProxyEnv);
  const logger = createLogger('proxy', env.LOG_LEVEL);
  const proxy = await startProxy({
    natsUrl: env.NATS_URL,
    port: env.PORT,
    host: env.HOST,
    logger,
    maxBodyBytes: env.MAX_BODY_BYTES,
    jsonShape: { maxDepth: env.MAX_JSON_DEPTH, maxContainers: env.MAX_JSON_CONTAINERS, maxElements: env.MAX_JSON_ELEMENTS },
    deadlines: edgeDeadlines(env),
    busTimeoutMs: env.BUS_TIMEOUT_MS,
    authCacheTtlMs: env.AUTH_CACHE_TTL_MS,
    authStaleIfErrorMs: env.AUTH_CACHE_STALE_IF_ERROR_MS,
    upstream: {
      connections: env.UPSTREAM_CONNECTIONS,
      connectTimeoutMs: env.UPSTREAM_CONNECT_TIMEOUT_MS,
      headersTimeoutMs: env.UPSTREAM_HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: env.UPSTREAM_BODY_TIMEOUT_MS,
    },
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    usageStream: usageStreamOptions(env),
    usageSpool: { dir: env.USAGE_SPOOL_DIR ?? `.data/spool/proxy-${env.PORT}`, maxBytes: env.USAGE_SPOOL_MAX_BYTES },
    resilience: {
      firstByteMs: env.UPSTREAM_FIRST_BYTE_TIMEOUT_MS,
      totalMs: env.UPSTREAM_TOTAL_TIMEOUT_MS,
      maxAttempts: env.UPSTREAM_MAX_ATTEMPTS,
      backoffBaseMs: env.UPSTREAM_BACKOFF_BASE_MS,
      backoffMaxMs: env.UPSTREAM_BACKOFF_MAX_MS,
    },
    auth: loadGatewayConfig().auth,
  });
  // The process-level grace outlasts the proxy's own, so that usage still gets flushed after it.
  onShutdown(logger, proxy.close, env.SHUTDOWN_GRACE_MS + 5_000);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
