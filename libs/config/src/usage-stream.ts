import { z } from 'zod';

/**
 * Settings of the JetStream USAGE stream. Every service that provisions the stream (proxy and metering)
 * reads the same variables, so that neither reshapes the stream the other declared.
 */
export const usageStreamEnv = {
  /** Copies of each message in a JetStream cluster: 1 on a single server, 3 in a cluster. */
  USAGE_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** How long a usage event is kept in the stream, number of seconds (30 days): the window `rebuild` can replay. */
  USAGE_STREAM_MAX_AGE_S: z.coerce.number().int().positive().default(30 * 24 * 60 * 60),
};

/** The `ensureUsageStream` options named by the `usageStreamEnv` variables. */
export function usageStreamOptions(env: { USAGE_STREAM_REPLICAS: number; USAGE_STREAM_MAX_AGE_S: number }): {
  replicas: number;
  maxAgeMs: number;
} {
  return { replicas: env.USAGE_STREAM_REPLICAS, maxAgeMs: env.USAGE_STREAM_MAX_AGE_S * 1000 };
}
