import { z } from 'zod';
import { ConfigError, commonEnv, loadEnv, port } from './env';

describe('env settings', () => {
  const schema = z.object({ ...commonEnv, PORT: port(8080) });

  it('applies defaults and coerces numbers', () => {
    const env = loadEnv(schema, { PORT: '9000' });
    expect(env.PORT).toBe(9000);
    expect(env.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(env.BUS_TIMEOUT_MS).toBe(1000);
    expect(Object.isFrozen(env)).toBe(true);
  });

  it('reports every bad variable at once, by name', () => {
    expect(() => loadEnv(schema, { PORT: 'eighty', LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    try {
      loadEnv(schema, { PORT: 'eighty', LOG_LEVEL: 'loud' });
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([expect.stringMatching(/^LOG_LEVEL/), expect.stringMatching(/^PORT/)]);
    }
  });
});
