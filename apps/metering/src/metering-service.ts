import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import type { QuotaConfig } from '@aigw/config';
import type { PriceTable } from '@aigw/pricing';
import { BusClient, connectBus, ensureUsageStream, isBusReady, subscribeBroadcast } from '@aigw/bus';
import { KeysChangedEvent } from '@aigw/contracts';
import { createMetricsRegistry, type Logger } from '@aigw/telemetry';
import { BudgetResolver } from './budgets';
import { ensureLedgerConsumer, startLedgerConsumer, type LedgerConsumer, type LedgerConsumerOptions } from './consumer';
import { createApp } from './http/app';
import { KeyVerifier } from './http/key-verifier';
import { Ledger } from './ledger';
import { createMeteringMetrics } from './metrics';
import { connectRedis, isRedisReady, type RedisOptions } from './redis-client';

export interface MeteringConfig {
  nats: { servers: string; /** Deadline of one request to auth, number of milliseconds. */ timeoutMs: number };
  redis: RedisOptions;
  http: { port: number; host?: string };
  /** How long a verified key is trusted without asking auth again, number of milliseconds. */
  authCacheMs: number;
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
    const verifier = new KeyVerifier(bus, { ttlMs: cfg.authCacheMs });
    const budgets = new BudgetResolver({ bus, quota: cfg.quota, ttlMs: cfg.authCacheMs, logger });
    subscribeBroadcast(
      busNc,
      KeysChangedEvent,
      {
        onEvent: (change) => {
          verifier.invalidate(change);
          if (change.reason === 'tenant-updated') budgets.forget(change.tenantId);
        },
        onResync: () => {
          verifier.clear();
          budgets.clear();
        },
      },
      logger,
    );
    const app = createApp({
      ledger,
      budgets,
      verifier,
      registry,
      metrics,
      logger,
      readiness: () => ({ nats: isBusReady(busNc), redis: isRedisReady(redis), consumer: runningConsumer.running() }),
    });
    server = await listen(createServer(app), cfg.http.port, cfg.http.host ?? '0.0.0.0');
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
