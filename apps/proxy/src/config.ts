import { z } from 'zod';
import { commonEnv, edgeEnv, port, usageStreamEnv } from '@aigw/config';
import { DEFAULT_JSON_SHAPE } from '@aigw/http-edge';

const ms = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The proxy's environment. Timeouts are numbers of milliseconds. */
export const ProxyEnv = z.object({
  ...commonEnv,
  ...usageStreamEnv,
  ...edgeEnv,
  PORT: port(8080),
  HOST: z.string().default('0.0.0.0'),
  /**
   * Largest request body accepted, number of bytes. 32 MiB, the most a provider documents taking (Anthropic's
   * Messages API): base64 images and long contexts pass as they would there. Only a verified key's body is
   * read, and parsing one costs the event loop about 10 ms per MB (20 MB: 120 ms, and as much to forward it).
   */
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(32 * 1024 * 1024),
  /** Deepest nesting of arrays and objects in a request body. */
  MAX_JSON_DEPTH: z.coerce.number().int().positive().default(DEFAULT_JSON_SHAPE.maxDepth),
  /** Most arrays and objects in a request body: each costs a heap object once parsed. */
  MAX_JSON_CONTAINERS: z.coerce.number().int().positive().default(DEFAULT_JSON_SHAPE.maxContainers),
  /** Most values in a request body, strings and numbers included. */
  MAX_JSON_ELEMENTS: z.coerce.number().int().positive().default(DEFAULT_JSON_SHAPE.maxElements),
  UPSTREAM_CONNECT_TIMEOUT_MS: ms(5_000),
  /** Until the upstream's response headers; for a non-stream request that is the whole generation. */
  UPSTREAM_HEADERS_TIMEOUT_MS: ms(300_000),
  /** Longest silence between two body chunks of the upstream. */
  UPSTREAM_BODY_TIMEOUT_MS: ms(300_000),
  /** Streams: attempt start to the upstream's first chunk. */
  UPSTREAM_FIRST_BYTE_TIMEOUT_MS: ms(60_000),
  /** A whole request: every attempt, backoff and the streaming; no attempt starts past it. */
  UPSTREAM_TOTAL_TIMEOUT_MS: ms(600_000),
  /** Upstream attempts per request, the first included (retries happen only before the first byte reaches the client). */
  UPSTREAM_MAX_ATTEMPTS: z.coerce.number().int().positive().default(3),
  /** Backoff before retrying a deployment already tried: base × 2^(round − 1) with full jitter, up to the maximum. */
  UPSTREAM_BACKOFF_BASE_MS: ms(100),
  UPSTREAM_BACKOFF_MAX_MS: ms(2_000),
  /** Connections per upstream origin. */
  UPSTREAM_CONNECTIONS: z.coerce.number().int().positive().default(512),
  /** How long a verified key is trusted before auth is asked again. */
  AUTH_CACHE_TTL_MS: ms(5_000),
  /**
   * How long after auth last confirmed a key the proxy still serves it while auth cannot answer (auth, its Redis
   * or NATS down); 0 refuses such requests with 503 at once. Revocations announced meanwhile still apply.
   */
  AUTH_CACHE_STALE_IF_ERROR_MS: z.coerce.number().int().nonnegative().default(600_000),
  /** Directory of the usage spool (events JetStream could not take); default `.data/spool/proxy-<PORT>`. */
  USAGE_SPOOL_DIR: z.string().min(1).optional(),
  /** Most disk the usage spool may use, number of bytes; past it events are dropped and counted. */
  USAGE_SPOOL_MAX_BYTES: z.coerce.number().int().positive().default(256 * 1024 * 1024),
  /** How long in-flight requests may run on after a shutdown signal. */
  SHUTDOWN_GRACE_MS: ms(10_000),
});
export type ProxyEnv = z.infer<typeof ProxyEnv>;
