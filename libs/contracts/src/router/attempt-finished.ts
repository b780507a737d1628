import { z } from 'zod';

/** How one upstream attempt ended. */
export const AttemptOutcome = z.enum([
  /** Served: a 2xx body, or a stream that ran to its end. */
  'ok',
  /** The upstream refused the request itself (4xx other than 401, 403, 408, 429): the client's fault. */
  'client_error',
  /** HTTP 429 from the upstream. */
  'rate_limited',
  /** HTTP 5xx or 408 from the upstream. */
  'server_error',
  /** HTTP 401 or 403: the upstream refused the gateway's credential. */
  'rejected',
  /** Connect, first-byte, idle or total deadline passed. */
  'timeout',
  /** The connection failed or broke. */
  'network_error',
  /** The proxy has no credential for the deployment; no request was sent. */
  'no_credential',
  /** The client went away; says nothing about the upstream. */
  'aborted',
]);
export type AttemptOutcome = z.infer<typeof AttemptOutcome>;

/** Who made the attempt: a proxy serving a client, or the router's active health check. */
export const AttemptSource = z.enum(['proxy', 'probe']);

/**
 * An upstream attempt ended: an entry of `router.v1.attempts-reported`, from the proxy after every attempt
 * and from the router's own health checks. Every router replica feeds the same outcomes into its circuit
 * breakers, latency averages and capacity windows.
 */
export const AttemptFinished = z.object({
  requestId: z.string().min(1),
  /** Matches the `attempt` of its start. */
  attempt: z.number().int().positive(),
  deploymentId: z.string().min(1),
  source: AttemptSource,
  outcome: AttemptOutcome,
  /** HTTP status of the upstream's answer, if there was one. */
  status: z.number().int().optional(),
  /** From a 429's `retry-after`, number of milliseconds. */
  retryAfterMs: z.number().int().nonnegative().optional(),
  /** Attempt start to the first body byte, number of milliseconds; absent when none came. */
  ttftMs: z.number().nonnegative().optional(),
  /** Attempt start to its end, number of milliseconds. */
  latencyMs: z.number().nonnegative(),
  /** Whether bytes had reached the client before the attempt ended (a stream that broke off). */
  streamed: z.boolean().default(false),
  /** Tokens the upstream reported, for the deployment's tokens-per-minute capacity. */
  promptTokens: z.number().int().nonnegative().optional(),
  completionTokens: z.number().int().nonnegative().optional(),
  /** When the attempt ended, Unix time in milliseconds. */
  ts: z.number().int().nonnegative(),
});
export type AttemptFinished = z.infer<typeof AttemptFinished>;
