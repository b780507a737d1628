import { loadEnv } from '@aigw/config';
import { createLogger, onShutdown } from '@aigw/telemetry';
import { behaviorFromEnv, MockProviderEnv, modelsFromEnv } from './env';
import { startMockProvider } from './server';

const env = loadEnv(MockProviderEnv);
const logger = createLogger('mock-provider', env.LOG_LEVEL);
const behavior = behaviorFromEnv(env);

startMockProvider({
  port: env.MOCK_PROVIDER_PORT,
  host: env.MOCK_PROVIDER_HOST,
  apiKey: env.MOCK_PROVIDER_API_KEY,
  models: modelsFromEnv(env),
  behavior,
  logger,
}).then(
  (mock) => {
    logger.info({ url: mock.url, behavior, keyRequired: env.MOCK_PROVIDER_API_KEY !== undefined }, 'mock provider ready');
    onShutdown(logger, mock.close);
  },
  (err) => {
    logger.fatal({ err }, 'mock provider failed to start');
    process.exit(1);
  },
);
