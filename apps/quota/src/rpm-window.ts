import type { ClientContext, Redis, Result } from 'ioredis';
import { redisFailure } from './redis-connection';
import { RPM_WINDOW_SCRIPT } from './rpm-window-script';

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    aigwRpmAdmit(key: string, limit: number, windowMs: number, requestId: string): Result<RpmWindowReply, Context>;
  }
}

type RpmWindowReply = [admitted: 0 | 1, count: number, pivotMs: number, nowMs: number];

/** Length of the requests-per-minute window, number of milliseconds. */
export const RPM_WINDOW_MS = 60_000;

/** The Redis key of one gateway key's window. Key ids are not secret, so they may appear in Redis. */
export const rpmWindowKey = (keyId: string): string => `aigw:rl:rpm:${keyId}`;

/** What the window held right after one decision; times are on the Redis clock. */
export interface RpmWindowState {
  admitted: boolean;
  /** Requests in the window, this one included when admitted. */
  count: number;
  /** When the entry whose expiry next makes room was admitted, Unix time in milliseconds. */
  pivotMs: number;
  /** When the decision was taken, Unix time in milliseconds. */
  nowMs: number;
}

/** Sliding one-minute windows of admitted requests per key, shared by every quota replica through Redis. */
export class RpmWindow {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    redis.defineCommand('aigwRpmAdmit', { numberOfKeys: 1, lua: RPM_WINDOW_SCRIPT });
    this.#redis = redis;
  }

  /**
   * Counts `requestId` against `keyId`'s window if it fits under `limit`, in one atomic step. Fails closed:
   * throws `ServiceUnavailableError` when Redis cannot take the decision.
   */
  async admit(keyId: string, requestId: string, limit: number): Promise<RpmWindowState> {
    let reply: RpmWindowReply;
    try {
      reply = await this.#redis.aigwRpmAdmit(rpmWindowKey(keyId), limit, RPM_WINDOW_MS, requestId);
    } catch (err) {
      throw redisFailure(err);
    }
    const [admitted, count, pivotMs, nowMs] = reply;
    return { admitted: admitted === 1, count, pivotMs, nowMs };
  }
}
