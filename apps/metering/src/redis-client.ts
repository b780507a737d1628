import { Redis } from 'ioredis';
import type { Logger } from '@aigw/telemetry';

export interface RedisOptions {
  url: string;
  /** Deadline of one command, number of milliseconds. */
  commandTimeoutMs: number;
}

/**
 * A Redis client that fails fast while disconnected (no offline queue, no retries of a command) and
 * reconnects forever. A failed write is retried by JetStream redelivery, a failed read becomes a 503:
 * queueing commands in the process would only hide an outage and grow memory.
 *
 * Commands issued in the same tick go out in one write (auto-pipelining), and those issued while that
 * write awaits its replies in the next: a socket write costs far more than a command, and the ledger
 * consumer issues a pull batch of writes at once.
 */
export function connectRedis(opts: RedisOptions, logger: Logger): Redis {
  const redis = new Redis(opts.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: opts.commandTimeoutMs,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    connectionName: 'metering',
    enableAutoPipelining: true,
  });
  let down = false;
  redis.on('ready', () => {
    if (down) logger.info('Redis reconnected');
    down = false;
  });
  redis.on('error', (err) => {
    if (!down) logger.warn({ err }, 'Redis unavailable, reconnecting');
    down = true;
  });
  return redis;
}

export function isRedisReady(redis: Redis): boolean {
  return redis.status === 'ready';
}
