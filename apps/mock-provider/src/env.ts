import { z } from 'zod';
import { commonEnv, port } from '@aigw/config';
import { DEFAULT_BEHAVIOR, type Behavior } from './behavior';

/** An unset or empty variable takes the default: `MOCK_FAULT_STATUS=` must not read as status 0. */
const blankIsUnset = (v: unknown) => (v === '' ? undefined : v);
const int = (min: number, max: number) => z.preprocess(blankIsUnset, z.coerce.number().int().min(min).max(max).optional());
const flag = z.preprocess(blankIsUnset, z.enum(['true', 'false', '1', '0']).optional());

/** Models `GET /v1/models` lists unless MOCK_MODELS names others: the ones config/gateway.yaml deploys. */
export const DEFAULT_MODELS = ['mock-gpt-4o-mini', 'mock-gpt-4o-mini-backup', 'mock-text-embedding-3-small'];

export const MockProviderEnv = z.object({
  LOG_LEVEL: commonEnv.LOG_LEVEL,
  MOCK_PROVIDER_PORT: port(8090),
  MOCK_PROVIDER_HOST: z.string().min(1).default('127.0.0.1'),
  /** When set, the only bearer token accepted; otherwise any non-empty one is. */
  MOCK_PROVIDER_API_KEY: z.preprocess(blankIsUnset, z.string().optional()),
  /** Comma-separated model ids for `GET /v1/models`. */
  MOCK_MODELS: z.preprocess(blankIsUnset, z.string().optional()),
  MOCK_TTFT_MS: int(0, 600_000),
  MOCK_TTFT_JITTER_MS: int(0, 600_000),
  MOCK_CHUNK_DELAY_MS: int(0, 600_000),
  MOCK_CHUNKS: int(1, 100_000),
  MOCK_FAULT_STATUS: int(400, 599),
  MOCK_FAULT_RATE: z.preprocess(blankIsUnset, z.coerce.number().min(0).max(1).optional()),
  MOCK_FAULT_MIDSTREAM_AFTER: int(0, 100_000),
  MOCK_FAULT_SLOW_HEADERS_MS: int(0, 600_000),
  MOCK_FAULT_RESET: flag,
  MOCK_FAULT_MALFORMED: flag,
  MOCK_FAULT_RETRY_AFTER_S: int(0, 86_400),
});
export type MockProviderEnv = z.infer<typeof MockProviderEnv>;

/** The behavior the env asks for, defaults filling the rest. */
export function behaviorFromEnv(env: MockProviderEnv): Behavior {
  const d = DEFAULT_BEHAVIOR;
  return {
    ttftMs: env.MOCK_TTFT_MS ?? d.ttftMs,
    ttftJitterMs: env.MOCK_TTFT_JITTER_MS ?? d.ttftJitterMs,
    chunkDelayMs: env.MOCK_CHUNK_DELAY_MS ?? d.chunkDelayMs,
    chunks: env.MOCK_CHUNKS ?? d.chunks,
    faultStatus: env.MOCK_FAULT_STATUS ?? d.faultStatus,
    faultRate: env.MOCK_FAULT_RATE ?? d.faultRate,
    faultMidstreamAfter: env.MOCK_FAULT_MIDSTREAM_AFTER ?? d.faultMidstreamAfter,
    faultSlowHeadersMs: env.MOCK_FAULT_SLOW_HEADERS_MS ?? d.faultSlowHeadersMs,
    faultReset: env.MOCK_FAULT_RESET === undefined ? d.faultReset : env.MOCK_FAULT_RESET === 'true' || env.MOCK_FAULT_RESET === '1',
    faultMalformed: env.MOCK_FAULT_MALFORMED === undefined ? d.faultMalformed : env.MOCK_FAULT_MALFORMED === 'true' || env.MOCK_FAULT_MALFORMED === '1',
    faultRetryAfterS: env.MOCK_FAULT_RETRY_AFTER_S ?? d.faultRetryAfterS,
  };
}

export function modelsFromEnv(env: MockProviderEnv): string[] {
  if (env.MOCK_MODELS === undefined) return DEFAULT_MODELS;
  return env.MOCK_MODELS.split(',')
    .map((m) => m.trim())
    .filter(Boolean);
}
