import { z } from 'zod';
import { commonEnv, loadEnv, loadGatewayConfig, port } from '@aigw/config';
import { createLogger, onShutdown } from '@aigw/telemetry';
import { startTracing } from '@aigw/telemetry/sdk';
import { startRouterService } from './router-service';

startTracing('router');

const env = loadEnv(z.object({ ...commonEnv, ROUTER_OPS_PORT: port(9103) }));
const logger = createLogger('router', env.LOG_LEVEL);

async function main(): Promise<void> {
  const service = await startRouterService({
    natsUrl: env.NATS_URL,
    opsPort: env.ROUTER_OPS_PORT,
    opsHost: env.OPS_HOST,
    config: loadGatewayConfig(),
    logger,
  });
  onShutdown(logger, () => service.close());
}

main().catch((err: unknown) => {
  logger.fatal({ err }, 'router failed to start');
  process.exit(1);
});
