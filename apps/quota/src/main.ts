import { z } from 'zod';
import { commonEnv, loadEnv, loadGatewayConfig, port } from '@aigw/config';
import { createLogger, onShutdown } from '@aigw/telemetry';
import { startTracing } from '@aigw/telemetry/sdk';
import { startQuotaService } from './quota-service';

startTracing('quota');

const env = loadEnv(z.object({ ...commonEnv, QUOTA_OPS_PORT: port(9102) }));
const config = loadGatewayConfig();
const logger = createLogger('quota', env.LOG_LEVEL);

startQuotaService({
  nats: { servers: env.NATS_URL },
  redis: { url: env.REDIS_URL },
  ops: { port: env.QUOTA_OPS_PORT, host: env.OPS_HOST },
  config,
  logger,
}).then(
  (quota) => {
    logger.info(
      { opsPort: quota.opsPort, defaults: config.quota.defaults, tiers: Object.keys(config.quota.tiers), failurePolicy: config.quota.failurePolicy },
      'quota started',
    );
    onShutdown(logger, quota.close);
  },
  (err) => {
    logger.fatal({ err }, 'quota failed to start');
    process.exit(1);
  },
);
