import { z } from 'zod';
import { commonEnv, edgeDeadlines, edgeEnv, loadEnv, loadGatewayConfig, port, usageStreamEnv, usageStreamOptions } from '@aigw/config';
import { createLogger, onShutdown } from '@aigw/telemetry';
import { startTracing } from '@aigw/telemetry/sdk';
import { startMeteringService } from './metering-service';

startTracing('metering');

const env = loadEnv(
  z.object({
    ...commonEnv,
    ...usageStreamEnv,
    ...edgeEnv,
    METERING_PORT: port(8081),
    /** Interface of the metering API: loopback unless a deployment exposes it (containers set `0.0.0.0`). */
    METERING_HOST: z.string().min(1).default('127.0.0.1'),
    /** How long a verified key is trusted without asking auth again, number of milliseconds. */
    METERING_AUTH_CACHE_MS: z.coerce.number().int().nonnegative().default(5_000),
    /** How long an event id is remembered as counted, number of seconds. */
    METERING_DEDUPE_TTL_S: z.coerce.number().int().positive().default(7 * 24 * 60 * 60),
    /** JetStream redelivery of an unacknowledged event, number of milliseconds. */
    METERING_ACK_WAIT_MS: z.coerce.number().int().min(1_000).default(30_000),
    METERING_MAX_ACK_PENDING: z.coerce.number().int().positive().default(1_000),
    /** Delay before an event that failed on Redis is tried again, number of milliseconds. */
    METERING_RETRY_DELAY_MS: z.coerce.number().int().positive().default(2_000),
    /** How long a usage event waits for others to be written with it, number of milliseconds. */
    METERING_BATCH_WINDOW_MS: z.coerce.number().int().nonnegative().default(20),
    /** Deadline of one Redis command, number of milliseconds. */
    METERING_REDIS_TIMEOUT_MS: z.coerce.number().int().positive().default(2_000),
  }),
);

const logger = createLogger('metering', env.LOG_LEVEL);
const config = loadGatewayConfig();

startMeteringService({
  nats: { servers: env.NATS_URL, timeoutMs: env.BUS_TIMEOUT_MS },
  redis: { url: env.REDIS_URL, commandTimeoutMs: env.METERING_REDIS_TIMEOUT_MS },
  http: { port: env.METERING_PORT, host: env.METERING_HOST, deadlines: edgeDeadlines(env) },
  authCacheMs: env.METERING_AUTH_CACHE_MS,
  auth: config.auth,
  dedupeTtlS: env.METERING_DEDUPE_TTL_S,
  prices: config.prices,
  quota: config.quota,
  stream: usageStreamOptions(env),
  consumer: {
    ackWaitMs: env.METERING_ACK_WAIT_MS,
    maxAckPending: env.METERING_MAX_ACK_PENDING,
    retryDelayMs: env.METERING_RETRY_DELAY_MS,
    batchWindowMs: env.METERING_BATCH_WINDOW_MS,
  },
  logger,
}).then(
  (service) => onShutdown(logger, () => service.close()),
  (err: unknown) => {
    logger.fatal({ err }, 'metering failed to start');
    process.exit(1);
  },
);
