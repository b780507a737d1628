import { Redis, ReplyError } from 'ioredis';
import { ServiceUnavailableError } from '@aigw/contracts';
import type { Logger } from '@aigw/telemetry';

/**
 * How quota talks to a Redis that is slow or gone: a call that cannot be made fails at once with
 * `service_unavailable` rather than being queued (a queued decision outlives the caller's deadline and then
 * counts a request nobody is waiting for). What the decision then is (refuse, or admit unchecked) is the
 * configured failure policy's (`failure-policy.ts`). The connection is retried forever, so quota recovers
 * without a restart.
 */
export const REDIS_FAILURE_POLICY = {
  /** Give up on one connection attempt after this many milliseconds. */
  connectTimeoutMs: 500,
  /**
   * Give up on one decision after this many milliseconds. A decision takes well under one; this only
   * bounds a connection that hangs without closing. It stays below the callers' bus deadline (1000 ms by
   * default) but leaves room for a burst of hundreds of decisions queued on a busy 2-core machine.
   */
  commandTimeoutMs: 750,
  /**
   * How long a starting replica waits for its first connection before it takes requests, number of
   * milliseconds. Requests reach a replica as soon as it subscribes; one that subscribed before Redis answered
   * would decide its first requests by the failure policy, uncounted, after every restart. A Redis still
   * unreachable after this is an outage, and the failure policy is what decides then.
   */
  startupWaitMs: 5_000,
  /** Delay before reconnect attempt `n`, number of milliseconds; short, so recovery follows Redis closely. */
  reconnectDelayMs: (attempt: number): number => Math.min(attempt * 100, 1000),
} as const;

/** Connects to Redis under `REDIS_FAILURE_POLICY`; the first attempt runs in the background like every later one. */
export function connectRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    connectionName: 'quota',
    enableOfflineQueue: false,
    // Rejects commands in flight at the moment the connection drops instead of holding them for a resend.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: REDIS_FAILURE_POLICY.connectTimeoutMs,
    commandTimeout: REDIS_FAILURE_POLICY.commandTimeoutMs,
    retryStrategy: REDIS_FAILURE_POLICY.reconnectDelayMs,
    // On shutdown during an outage ioredis waits this long for a socket that is already gone.
    disconnectTimeout: 100,
  });
  // During an outage every reconnect attempt fails the same way: log each change once, not each attempt.
  let up = false;
  let lastError: string | undefined;
  redis.on('ready', () => {
    up = true;
    lastError = undefined;
    logger.info('Redis ready');
  });
  redis.on('close', () => {
    if (!up) return;
    up = false;
    logger.warn('Redis connection lost: decisions follow the failure policy until it is back');
  });
  redis.on('error', (err: Error) => {
    if (err.message === lastError) return;
    lastError = err.message;
    logger.warn({ err }, 'Redis error');
  });
  return redis;
}

export function isRedisReady(redis: Redis): boolean {
  return redis.status === 'ready';
}

/** Resolves when the connection is ready, or after `timeoutMs` if it is not by then. */
export function redisReadyWithin(redis: Redis, timeoutMs: number): Promise<void> {
  if (isRedisReady(redis)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once('ready', done);
  });
}

/** Replies by which a reachable Redis says it cannot take commands for now (loading, failing over, full). */
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|OOM)\b/;

/**
 * The error for a Redis call that failed for want of Redis: `service_unavailable`, which the failure policy
 * acts on. Any other reply error means Redis ran the script and rejected it, a bug rather than an outage,
 * so it is passed on unchanged and reported as an internal error.
 */
export function redisFailure(err: unknown): unknown {
  if (err instanceof ReplyError && !UNAVAILABLE_REPLY.test((err as Error).message)) return err;
  return new ServiceUnavailableError('quota', 'The quota service cannot reach Redis.', { cause: err });
}
