import { z } from 'zod';
import { commonEnv, port } from '@aigw/config';

const ms = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The proxy's environment. Timeouts are numbers of milliseconds. */
export const ProxyEnv = z.object({
  ...commonEnv,
  PORT: port(8080),
  HOST: z.string().default('0.0.0.0'),
  /** Largest request body accepted, number of bytes. */
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(1024 * 1024),
  UPSTREAM_CONNECT_TIMEOUT_MS: ms(5_000),
  /** Until the upstream's response headers; for a non-stream request that is the whole generation. */
  UPSTREAM_HEADERS_TIMEOUT_MS: ms(300_000),
  /** Longest silence between two body chunks of the upstream. */
  UPSTREAM_BODY_TIMEOUT_MS: ms(300_000),
  /** Connections per upstream origin. */
  UPSTREAM_CONNECTIONS: z.coerce.number().int().positive().default(512),
  /** How long a verified key is trusted before auth is asked again. */
  AUTH_CACHE_TTL_MS: ms(5_000),
  /** How long in-flight requests may run on after a shutdown signal. */
  SHUTDOWN_GRACE_MS: ms(10_000),
});
export type ProxyEnv = z.infer<typeof ProxyEnv>;
