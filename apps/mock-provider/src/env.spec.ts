import { ConfigError, loadEnv } from '@aigw/config';
import { DEFAULT_BEHAVIOR } from './behavior';
import { behaviorFromEnv, DEFAULT_MODELS, MockProviderEnv, modelsFromEnv } from './env';

describe('env', () => {
  it('defaults – port 8090 on 127.0.0.1, the default behavior and models', () => {
    const env = loadEnv(MockProviderEnv, {});
    expect(env.MOCK_PROVIDER_PORT).toBe(8090);
    expect(env.MOCK_PROVIDER_HOST).toBe('127.0.0.1');
    expect(env.MOCK_PROVIDER_API_KEY).toBeUndefined();
    expect(behaviorFromEnv(env)).toEqual(DEFAULT_BEHAVIOR);
    expect(modelsFromEnv(env)).toEqual(DEFAULT_MODELS);
  });

  it('knobs – every MOCK_* variable reaches the behavior', () => {
    const env = loadEnv(MockProviderEnv, {
      MOCK_TTFT_MS: '120',
      MOCK_TTFT_JITTER_MS: '30',
      MOCK_CHUNK_DELAY_MS: '15',
      MOCK_CHUNKS: '4',
      MOCK_FAULT_STATUS: '429',
      MOCK_FAULT_RATE: '0.5',
      MOCK_FAULT_MIDSTREAM_AFTER: '3',
      MOCK_FAULT_SLOW_HEADERS_MS: '40',
      MOCK_FAULT_RESET: 'true',
      MOCK_FAULT_MALFORMED: '1',
      MOCK_FAULT_RETRY_AFTER_S: '7',
      MOCK_MODELS: 'a, b,,c',
    });
    expect(behaviorFromEnv(env)).toEqual({
      ttftMs: 120,
      ttftJitterMs: 30,
      chunkDelayMs: 15,
      chunks: 4,
      faultStatus: 429,
      faultRate: 0.5,
      faultMidstreamAfter: 3,
      faultSlowHeadersMs: 40,
      faultReset: true,
      faultMalformed: true,
      faultRetryAfterS: 7,
    });
    expect(modelsFromEnv(env)).toEqual(['a', 'b', 'c']);
  });

  it('blank values – count as unset', () => {
    const env = loadEnv(MockProviderEnv, { MOCK_FAULT_STATUS: '', MOCK_PROVIDER_API_KEY: '', MOCK_FAULT_RESET: '' });
    expect(behaviorFromEnv(env)).toEqual(DEFAULT_BEHAVIOR);
    expect(env.MOCK_PROVIDER_API_KEY).toBeUndefined();
  });

  it('bad values – stop the boot naming each variable', () => {
    const attempt = () => loadEnv(MockProviderEnv, { MOCK_FAULT_STATUS: '200', MOCK_CHUNKS: '0', MOCK_FAULT_RESET: 'yes' });
    expect(attempt).toThrow(ConfigError);
    for (const name of ['MOCK_FAULT_STATUS', 'MOCK_CHUNKS', 'MOCK_FAULT_RESET']) expect(attempt).toThrow(name);
  });
});
