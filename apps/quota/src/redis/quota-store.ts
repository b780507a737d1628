/**
 * Quota's counters in Redis, every change made by one Lua script so that replicas never interleave.
 *
 * Layout (all keys under `aigw:q:`; ids are URI-encoded, so a `:` in one never splits a key):
 *
 *   <scope> = k:<key id> | t:<tenant id> | km:<key id>:<model alias>
 *   <scope>:m               ZSET request id → admission time (ms): the last minute's requests
 *   <scope>:mt              HASH request id → tokens it counts for in the minute window
 *   <scope>:ms              STRING sum of <scope>:mt
 *   <scope>:d               LIST admission times (ms), oldest first: the last 24 hours' requests
 *   <scope>:c               ZSET request id → lease expiry (ms): requests in flight
 *   <scope>:s:<YYYYMMDD>    STRING spend of a UTC day, micro-units (reserved + reconciled)
 *   <scope>:s:<YYYYMM>      STRING spend of a UTC month, micro-units
 *   req:<request id>        HASH what the admission counted (scopes, tokens, cost, periods)
 *   live                    ZSET request id → when its reservation lapses unless renewed or reconciled
 *   event:<event id>        STRING marks a usage event as reconciled (expires after `eventMarkerTtlS`)
 *
 * Windows expire a minute / a day after their last write, spend a day after its period, so idle keys
 * and tenants cost nothing. Times are Redis's (`TIME`), never a replica's clock.
 */
import type { ClientContext, Redis, Result } from 'ioredis';
import type { Limits } from '@aigw/contracts';
import { redisFailure } from '../redis-connection';
import { ADMISSION_SCRIPT, Refusal } from './admission-script';
import { RELEASE_SCRIPT, RENEW_SCRIPT, SWEEP_SCRIPT } from './lease-scripts';
import { RECONCILE_SCRIPT } from './reconcile-script';
import { KEY_PREFIX } from './script-parts';

type Arg = string | number;

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    aigwQuotaAdmit(...args: Arg[]): Result<number[], Context>;
    aigwQuotaRenew(...args: Arg[]): Result<number, Context>;
    aigwQuotaRelease(...args: Arg[]): Result<number, Context>;
    aigwQuotaSweep(...args: Arg[]): Result<number, Context>;
    aigwQuotaReconcile(...args: Arg[]): Result<number[], Context>;
  }
}

/** The counters of one scope and the limits they are held to. */
export interface Scope {
  /** Key prefix, from `keyScope`, `tenantScope` or `modelScope`. */
  prefix: string;
  limits: Limits;
}

const enc = encodeURIComponent;
export const keyScope = (keyId: string): string => `${KEY_PREFIX}k:${enc(keyId)}`;
export const tenantScope = (tenantId: string): string => `${KEY_PREFIX}t:${enc(tenantId)}`;
export const modelScope = (keyId: string, model: string): string => `${KEY_PREFIX}km:${enc(keyId)}:${enc(model)}`;

export interface AdmissionInput {
  requestId: string;
  /** Tokens to reserve against tokens-per-minute limits. */
  tokens: number;
  /** Micro-units to reserve against budgets: the worst-case cost. */
  costMicros: number;
  leaseTtlMs: number;
  /** How long the reservation of a request without a concurrency lease lives unless settled, ms. */
  unleasedReservationMs: number;
  scopes: Scope[];
}

/** A window as OpenAI's headers report it. */
export interface WindowState {
  limit: number;
  remaining: number;
  resetMs: number;
}

export interface AdmissionRefusal {
  kind: Exclude<Refusal, typeof Refusal.None>;
  /** Index into the input's scopes. */
  scope: number;
  limit: number;
  /** What the scope had used of the limit. */
  used: number;
  /** What this request asked for: 1 request, its tokens or its worst-case cost. */
  asked: number;
  retryAfterMs: number;
}

/** The windows after a decision, those of the scope with the least room (or of the refusing scope). */
export interface AdmissionWindows {
  /** The request id had been admitted before; nothing was counted again. */
  repeated: boolean;
  /** Redis time of the decision, Unix milliseconds. */
  nowMs: number;
  /** Absent when no scope limits requests per minute. */
  requests?: WindowState;
  /** Absent when no scope limits tokens per minute. */
  tokens?: WindowState;
  /** The request holds a concurrency lease: renew it while it runs, release it when it ends. */
  leased: boolean;
}

export type AdmissionResult = AdmissionWindows & ({ admitted: true } | { admitted: false; refusal: AdmissionRefusal });

export interface UsageCharge {
  eventId: string;
  tokens: number;
  costMicros: number;
  /** When the request finished, Unix milliseconds: the spend period of a charge without reservation. */
  atMs: number;
  /** Scopes charged when the request has no reservation. */
  scopes: string[];
}

export type ReconcileOutcome = 'reconciled' | 'charged' | 'duplicate';

const unlimited = (value: number | undefined): number => value ?? -1;
const windowOf = (limit: number, remaining: number, resetMs: number): WindowState | undefined =>
  limit < 0 ? undefined : { limit, remaining, resetMs };

/** Every quota counter, shared by all replicas. Redis failures surface as `redisFailure()` errors. */
export class QuotaStore {
  readonly #redis: Redis;
  readonly #eventMarkerTtlS: number;
  #corked = false;

  constructor(redis: Redis, opts: { eventMarkerTtlS: number }) {
    redis.defineCommand('aigwQuotaAdmit', { numberOfKeys: 0, lua: ADMISSION_SCRIPT });
    redis.defineCommand('aigwQuotaRenew', { numberOfKeys: 0, lua: RENEW_SCRIPT });
    redis.defineCommand('aigwQuotaRelease', { numberOfKeys: 0, lua: RELEASE_SCRIPT });
    redis.defineCommand('aigwQuotaSweep', { numberOfKeys: 0, lua: SWEEP_SCRIPT });
    redis.defineCommand('aigwQuotaReconcile', { numberOfKeys: 0, lua: RECONCILE_SCRIPT });
    this.#redis = redis;
    this.#eventMarkerTtlS = opts.eventMarkerTtlS;
  }

  /** One admission decision over every scope and dimension: one EVALSHA. */
  async admit(input: AdmissionInput): Promise<AdmissionResult> {
    const args: Arg[] = [input.requestId, input.tokens, input.costMicros, input.leaseTtlMs, input.unleasedReservationMs, input.scopes.length];
    for (const { prefix, limits: l } of input.scopes) {
      args.push(
        prefix,
        unlimited(l.rpm),
        unlimited(l.rpd),
        unlimited(l.tpm),
        unlimited(l.maxConcurrent),
        unlimited(l.dailyBudgetMicros),
        unlimited(l.monthlyBudgetMicros),
      );
    }
    const r = await this.#call(() => this.#redis.aigwQuotaAdmit(...args));
    const [, repeated, nowMs, reqLimit, reqLeft, reqReset, tokLimit, tokLeft, tokReset, kind, scope, limit, used, asked, retryMs, leased] = r;
    const windows: AdmissionWindows = {
      leased: leased === 1,
      repeated: repeated === 1,
      nowMs,
      requests: windowOf(reqLimit, reqLeft, reqReset),
      tokens: windowOf(tokLimit, tokLeft, tokReset),
    };
    if (kind === Refusal.None) return { ...windows, admitted: true };
    const refusal = { kind: kind as AdmissionRefusal['kind'], scope: scope - 1, limit, used, asked, retryAfterMs: retryMs };
    return { ...windows, admitted: false, refusal };
  }

  /** Extends the leases of running requests; returns how many still had a reservation. */
  renew(requestIds: readonly string[], leaseTtlMs: number): Promise<number> {
    return this.#call(() => this.#redis.aigwQuotaRenew(leaseTtlMs, ...requestIds));
  }

  /** Frees a finished request's slots; refunds its reservation unless a usage event follows. */
  async release(requestId: string, usageFollows: boolean, graceMs: number): Promise<boolean> {
    return (await this.#call(() => this.#redis.aigwQuotaRelease(requestId, usageFollows ? 1 : 0, graceMs))) === 1;
  }

  /** Refunds up to `max` lapsed reservations; returns how many. */
  sweep(max: number): Promise<number> {
    return this.#call(() => this.#redis.aigwQuotaSweep(max));
  }

  /**
   * Turns requests' reservations into their actual use, once per event id: a batch in one script call,
   * so that reconciling costs one Redis round trip per batch rather than per event. One outcome per charge.
   */
  async reconcile(charges: readonly UsageCharge[]): Promise<ReconcileOutcome[]> {
    if (charges.length === 0) return [];
    const args: Arg[] = [this.#eventMarkerTtlS];
    for (const c of charges) args.push(c.eventId, c.tokens, c.costMicros, c.atMs, c.scopes.length, ...c.scopes);
    const outcomes = await this.#call(() => this.#redis.aigwQuotaReconcile(...args));
    return outcomes.map((o) => (o === 1 ? 'reconciled' : o === 2 ? 'charged' : 'duplicate'));
  }

  async #call<T>(run: () => Promise<T>): Promise<T> {
    this.#writeTogether();
    try {
      return await run();
    } catch (err) {
      throw redisFailure(err);
    }
  }

  /**
   * Commands sent in one synchronous run (the admissions of one NATS read) leave in one socket write:
   * each is still its own script call, but here a write syscall costs more than the call it carries. Not
   * ioredis's `enableAutoPipelining`: it keeps one pipeline in flight, so behind a hung Redis a decision
   * would wait out the previous pipeline's command timeout before its own began.
   */
  #writeTogether(): void {
    const stream = this.#redis.stream;
    if (this.#corked || !stream?.writable) return;
    this.#corked = true;
    stream.cork();
    process.nextTick(() => {
      this.#corked = false;
      stream.uncork();
    });
  }
}
