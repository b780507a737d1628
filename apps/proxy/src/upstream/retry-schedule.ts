import type { AttemptOutcome, Deployment } from '@aigw/contracts';

/** Deadlines and retry budget of one request's upstream attempts; numbers of milliseconds. */
export interface ResiliencePolicy {
  /** Streams: attempt start to the first body chunk (headers included). */
  firstByteMs: number;
  /** Whole request, every attempt and the streaming included: past it no attempt starts and a stream ends. */
  totalMs: number;
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** Backoff before going back to a deployment already tried: base × 2^(round − 1), with full jitter... */
  backoffBaseMs: number;
  /** ...up to this. */
  backoffMaxMs: number;
}

export const DEFAULT_RESILIENCE: ResiliencePolicy = {
  firstByteMs: 60_000,
  totalMs: 600_000,
  maxAttempts: 3,
  backoffBaseMs: 100,
  backoffMaxMs: 2_000,
};

/** Failures worth another attempt on the same deployment later: the upstream may well answer next time. */
const TRANSIENT: ReadonlySet<AttemptOutcome> = new Set(['server_error', 'timeout', 'network_error', 'rate_limited']);

/** Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): uniform in [0, min(max, base × 2^(round−1))]. */
export function backoffDelay(round: number, policy: ResiliencePolicy, random: () => number = Math.random): number {
  const cap = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** Math.max(0, round - 1));
  return Math.floor(random() * cap);
}

/**
 * Which deployment each attempt of one request goes to, and when. The candidates are tried in order at
 * once; when all have been, the ones that failed transiently (5xx, timeout, connection, 429) are tried
 * again in order after an exponential backoff with jitter (at least a 429's `retry-after`, if that is not
 * longer than the longest backoff), until the attempt budget or the request's deadline is spent.
 * Credential and client errors are never retried.
 */
export class RetrySchedule {
  readonly #policy: ResiliencePolicy;
  readonly #signal: AbortSignal;
  readonly #deadline: number;
  readonly #random: () => number;
  #attempts = 0;
  /** Position in the current round and the round number (1: the first pass over the candidates). */
  #index = 0;
  #round = 1;
  /** Deployments of the current round that may be tried again in the next one. */
  #retryable: Deployment[] = [];
  #pass: readonly Deployment[];
  /** The longest `retry-after` heard in this round, number of milliseconds. */
  #retryAfterMs = 0;

  constructor(candidates: readonly Deployment[], policy: ResiliencePolicy, signal: AbortSignal, opts: { startedAt?: number; random?: () => number } = {}) {
    this.#pass = candidates;
    this.#policy = policy;
    this.#signal = signal;
    this.#deadline = (opts.startedAt ?? performance.now()) + policy.totalMs;
    this.#random = opts.random ?? Math.random;
  }

  /** Time left until the request's deadline, number of milliseconds (0 when past it). */
  remainingMs(): number {
    return Math.max(0, this.#deadline - performance.now());
  }

  /** The deployment for the next attempt, after any backoff; undefined when the budget or deadline is spent. */
  async next(): Promise<Deployment | undefined> {
    if (this.#attempts >= this.#policy.maxAttempts || this.#signal.aborted) return undefined;
    if (this.#index >= this.#pass.length) {
      if (this.#retryable.length === 0) return undefined;
      const delay = Math.max(backoffDelay(this.#round, this.#policy, this.#random), this.#retryAfterMs);
      if (delay >= this.remainingMs()) return undefined;
      this.#pass = this.#retryable;
      this.#retryable = [];
      this.#index = 0;
      this.#round += 1;
      this.#retryAfterMs = 0;
      if (delay > 0 && !(await sleep(delay, this.#signal))) return undefined;
    }
    if (this.remainingMs() === 0) return undefined;
    this.#attempts += 1;
    return this.#pass[this.#index++];
  }

  /** Books the failure of the attempt `next` last gave. */
  failed(deployment: Deployment, outcome: AttemptOutcome, retryAfterMs?: number): void {
    if (!TRANSIENT.has(outcome)) return;
    // A client is better served by an error now than by a wait longer than any backoff.
    if (retryAfterMs !== undefined && retryAfterMs > this.#policy.backoffMaxMs) return;
    this.#retryable.push(deployment);
    if (retryAfterMs !== undefined) this.#retryAfterMs = Math.max(this.#retryAfterMs, retryAfterMs);
  }

}

/** Waits `ms`; false if `signal` aborted first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
