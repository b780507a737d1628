import { z } from 'zod';
import { commonEnv, edgeDeadlines, edgeEnv, loadEnv, loadGatewayConfig, port } from '@aigw/config';
import { createLogger, onShutdown } from '@aigw/telemetry';
import { startTracing } from '@aigw/telemetry/sdk';
import { startAuthService } from './auth-service';

startTracing('auth');

const env = loadEnv(
  z.object({
    ...commonEnv,
    ...edgeEnv,
    AUTH_OPS_PORT: port(9101),
    AUTH_ADMIN_PORT: port(8082),
    /** Interface of the admin API: loopback unless a deployment puts it behind its own network policy. */
    AUTH_ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
  }),
);
const logger = createLogger('auth', env.LOG_LEVEL);

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const service = await startAuthService({
    natsUrl: env.NATS_URL,
    redisUrl: env.REDIS_URL,
    opsPort: env.AUTH_OPS_PORT,
    opsHost: env.OPS_HOST,
    adminPort: env.AUTH_ADMIN_PORT,
    adminHost: env.AUTH_ADMIN_HOST,
    adminDeadlines: edgeDeadlines(env),
    keys: config.keys,
    secrets: process.env,
    auth: config.auth,
    tiers: config.quota.tiers,
    logger,
  });
  logger.info({ adminPort: service.adminPort, adminHost: env.AUTH_ADMIN_HOST }, 'admin API listening');
  onShutdown(logger, () => service.close());
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'auth failed to start');
  process.exit(1);
});
