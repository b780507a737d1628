import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import { busLookups, createAuthenticator, followKeyChanges } from '@aigw/auth-client';
import type { AuthConfig, QuotaConfig } from '@aigw/config';
import { createEdgeServer, type EdgeDeadlines } from '@aigw/http-edge';
import type { PriceTable } from '@aigw/pricing';
import { BusClient, connectBus, ensureUsageStream, isBusReady } from '@aigw/bus';
import { createMetricsRegistry, type Logger } from '@aigw/telemetry';
import { BudgetResolver } from './budgets';
import { ensureLedgerConsumer, startLedgerConsumer, type LedgerConsumer, type LedgerConsumerOptions } from './consumer';
import { createApp } from './http/app';
import { Ledger } from './ledger';
import { createMeteringMetrics } from './metrics';
import { connectRedis, isRedisReady, type RedisOptions } from './redis-client';

export interface MeteringConfig {
  nats: { servers: string; /** Deadline of one request to auth, number of milliseconds. */ timeoutMs: number };
  redis: RedisOptions;
  /** Where the API listens (loopback by default), and how long a request may take to arrive. */
  http: { port: number; host?: string; deadlines?: EdgeDeadlines };
  /** How long a verified key is trusted without asking auth again, number of milliseconds. */
  authCacheMs: number;
  /** The config's `auth:` section (trusted proxies, JWT issuers), as the proxy has it. */
  auth?: Pick<AuthConfig, 'trustedProxies' | 'jwtIssuers'>;
  /** Where JWT issuers' `secretEnv` are looked up; the process environment by default. */
  authSecrets?: Readonly<Record<string, string | undefined>>;
  /** How long an event id is remembered as counted, number of seconds. */
  dedupeTtlS: number;
  /** The `prices:` section of the gateway config: each event is priced when it is counted. */
  prices: PriceTable;
  /** The `quota:` section of the gateway config: budgets are resolved from it as quota resolves them. */
  quota: QuotaConfig;
  /** USAGE stream settings, the same the proxy provisions it with. */
  stream: { replicas: number; maxAgeMs: number };
  consumer: LedgerConsumerOptions;
  logger: Logger;
}

export interface MeteringService {
  /** The port the HTTP API listens on (useful when configured as 0). */
  port: number;
  /** Stops consuming (finishing the events in hand), closes HTTP, drains NATS and quits Redis. */
  close(): Promise<void>;
}

/** Who may read usage: `client` keys their own, `finance` keys their tenant's (and `admin` everything). */
const METERING_ROLES = ['client', 'finance'] as const;

/** Boots the ledger consumer and the metering API. */
export async function startMeteringService(cfg: MeteringConfig): Promise<MeteringService> {
  const { logger } = cfg;
  const registry = createMetricsRegistry('metering');
  const metrics = createMeteringMetrics(registry);
  const redis = connectRedis(cfg.redis, logger);
  let nc: NatsConnection | undefined;
  let consumer: LedgerConsumer | undefined;
  let server: Server | undefined;

  const close = async () => {
    await consumer?.close();
    if (server) await closeServer(server);
    if (nc && !nc.isClosed()) await nc.drain();
    await quitRedis(redis);
  };

  try {
    nc = await connectBus({ servers: cfg.nats.servers, name: 'metering', logger });
    await ensureUsageStream(nc, cfg.stream);
    await ensureLedgerConsumer(nc, cfg.consumer);
    const ledger = new Ledger(redis, { dedupeTtlS: cfg.dedupeTtlS, prices: cfg.prices });
    consumer = await startLedgerConsumer({ nc, ledger, logger, metrics, options: cfg.consumer });

    const busNc = nc;
    const runningConsumer = consumer;
    const bus = new BusClient(busNc, { timeoutMs: cfg.nats.timeoutMs });
    const authenticator = createAuthenticator(busLookups(bus), {
      roles: METERING_ROLES,
      ttlMs: cfg.authCacheMs,
      auth: cfg.auth,
      secrets: cfg.authSecrets ?? process.env,
    });
    const budgets = new BudgetResolver({ bus, quota: cfg.quota, ttlMs: cfg.authCacheMs, logger });
    followKeyChanges(
      busNc,
      [
        authenticator,
        {
          invalidate: (change) => {
            if (change.reason === 'tenant-updated') budgets.forget(change.tenantId);
          },
          clear: () => budgets.clear(),
        },
      ],
      logger,
    );
    const app = createApp({
      ledger,
      budgets,
      authenticate: authenticator.authenticate,
      registry,
      metrics,
      logger,
      readiness: () => ({ nats: isBusReady(busNc), redis: isRedisReady(redis), consumer: runningConsumer.running() }),
    });
    server = await listen(createEdgeServer(app, cfg.http.deadlines), cfg.http.port, cfg.http.host ?? '127.0.0.1');
  } catch (err) {
    await close().catch((closeErr: unknown) => logger.error({ err: closeErr }, 'cleanup after failed start failed'));
    throw err;
  }

  const port = (server.address() as AddressInfo).port;
  logger.info({ port }, 'metering API listening');
  return { port, close };
}

function listen(server: Server, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeIdleConnections();
  });
}

async function quitRedis(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    // Not connected: there is nothing to flush, just stop reconnecting.
    redis.disconnect();
  }
}
