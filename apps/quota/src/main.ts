import { z } from 'zod';
import { commonEnv, loadEnv, loadGatewayConfig, port } from '@aigw/config';
import { createLogger, onShutdown } from '@aigw/telemetry';
import { startQuotaService } from './quota-service';

const env = loadEnv(z.object({ ...commonEnv, QUOTA_OPS_PORT: port(9102) }));
const config = loadGatewayConfig();
const logger = createLogger('quota', env.LOG_LEVEL);

startQuotaService({
  nats: { servers: env.NATS_URL },
  redis: { url: env.REDIS_URL },
  ops: { port: env.QUOTA_OPS_PORT },
  quota: config.quota,
  logger,
}).then(
  (quota) => {
    logger.info({ opsPort: quota.opsPort, defaultRpm: config.quota.defaults.rpm }, 'quota started');
    onShutdown(logger, quota.close);
  },
  (err) => {
    logger.fatal({ err }, 'quota failed to start');
    process.exit(1);
  },
);
