import { loadEnv } from '@aigw/config';
import { createLogger, onShutdown } from '@aigw/telemetry';
import { ProxyEnv } from './config';
import { startProxy } from './proxy-server';

async function main(): Promise<void> {
  const env = loadEnv(ProxyEnv);
  const logger = createLogger('proxy', env.LOG_LEVEL);
  const proxy = await startProxy({
    natsUrl: env.NATS_URL,
    port: env.PORT,
    host: env.HOST,
    logger,
    maxBodyBytes: env.MAX_BODY_BYTES,
    busTimeoutMs: env.BUS_TIMEOUT_MS,
    authCacheTtlMs: env.AUTH_CACHE_TTL_MS,
    upstream: {
      connections: env.UPSTREAM_CONNECTIONS,
      connectTimeoutMs: env.UPSTREAM_CONNECT_TIMEOUT_MS,
      headersTimeoutMs: env.UPSTREAM_HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: env.UPSTREAM_BODY_TIMEOUT_MS,
    },
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
  });
  // The process-level grace outlasts the proxy's own, so that usage still gets flushed after it.
  onShutdown(logger, proxy.close, env.SHUTDOWN_GRACE_MS + 5_000);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
