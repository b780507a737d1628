import { z } from 'zod';
import { ConfigError, loadEnv } from './env';
import { usageStreamEnv, usageStreamOptions } from './usage-stream';

const schema = z.object(usageStreamEnv);

describe('usage stream env', () => {
  it('usage stream env – defaults to one replica and 30 days of retention', () => {
    expect(usageStreamOptions(loadEnv(schema, {}))).toEqual({ replicas: 1, maxAgeMs: 30 * 24 * 60 * 60 * 1000 });
  });

  it('usage stream env – reads a cluster setting and a retention in seconds', () => {
    expect(usageStreamOptions(loadEnv(schema, { USAGE_STREAM_REPLICAS: '3', USAGE_STREAM_MAX_AGE_S: '3600' }))).toEqual({
      replicas: 3,
      maxAgeMs: 3_600_000,
    });
  });

  it('usage stream env – refuses a replica count JetStream cannot have, naming the variable', () => {
    expect(() => loadEnv(schema, { USAGE_STREAM_REPLICAS: '0' })).toThrow(ConfigError);
    expect(() => loadEnv(schema, { USAGE_STREAM_REPLICAS: '0' })).toThrow(/USAGE_STREAM_REPLICAS/);
  });
});
