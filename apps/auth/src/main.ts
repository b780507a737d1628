import { z } from 'zod';
import { commonEnv, loadEnv, loadGatewayConfig, port } from '@aigw/config';
import { createLogger, onShutdown } from '@aigw/telemetry';
import { startTracing } from '@aigw/telemetry/sdk';
import { startAuthService } from './auth-service';

startTracing('auth');

const env = loadEnv(z.object({ ...commonEnv, AUTH_OPS_PORT: port(9101), AUTH_ADMIN_PORT: port(8082) }));
const logger = createLogger('auth', env.LOG_LEVEL);

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const service = await startAuthService({
    natsUrl: env.NATS_URL,
    redisUrl: env.REDIS_URL,
    opsPort: env.AUTH_OPS_PORT,
    adminPort: env.AUTH_ADMIN_PORT,
    keys: config.keys,
    secrets: process.env,
    auth: config.auth,
    tiers: config.quota.tiers,
    logger,
  });
  logger.info({ adminPort: service.adminPort }, 'admin API listening');
  onShutdown(logger, () => service.close());
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'auth failed to start');
  process.exit(1);
});
