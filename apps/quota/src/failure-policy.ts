import type { Limits } from '@aigw/contracts';
import type { FailureMode, QuotaDimension } from '@aigw/config';
import type { Logger } from '@aigw/telemetry';
import type { QuotaMetrics } from './quota-metrics';

/** The dimensions a request is limited in, over all its scopes. */
export function dimensionsOf(scopes: readonly Limits[]): QuotaDimension[] {
  const dims = new Set<QuotaDimension>();
  for (const l of scopes) {
    if (l.rpm !== undefined || l.rpd !== undefined) dims.add('requests');
    if (l.tpm !== undefined) dims.add('tokens');
    if (l.maxConcurrent !== undefined) dims.add('concurrency');
    if (l.dailyBudgetMicros !== undefined || l.monthlyBudgetMicros !== undefined) dims.add('budget');
  }
  return [...dims];
}

/**
 * What to do with a request whose decision could not be taken because Redis is unavailable: admit it
 * unchecked only if every dimension it is limited in fails open. Unchecked admissions are counted in
 * `quota_fail_open_total` and logged at most once per interval, with how many there were.
 */
export class FailurePolicy {
  readonly #policy: Readonly<Record<QuotaDimension, FailureMode>>;
  readonly #logger: Logger;
  readonly #metrics: QuotaMetrics;
  readonly #logIntervalMs: number;
  #lastLogAt = -Infinity;
  #unloggedAdmissions = 0;

  constructor(policy: Readonly<Record<QuotaDimension, FailureMode>>, deps: { logger: Logger; metrics: QuotaMetrics; logIntervalMs: number }) {
    this.#policy = policy;
    this.#logger = deps.logger;
    this.#metrics = deps.metrics;
    this.#logIntervalMs = deps.logIntervalMs;
  }

  /** True when the request may go through unchecked; false when a dimension it is limited in fails closed. */
  admitsUnchecked(dimensions: readonly QuotaDimension[], cause: unknown): boolean {
    if (dimensions.some((d) => this.#policy[d] === 'closed')) return false;
    for (const dimension of dimensions) this.#metrics.failOpen.inc({ dimension });
    this.#unloggedAdmissions += 1;
    const now = performance.now();
    if (now - this.#lastLogAt >= this.#logIntervalMs) {
      this.#logger.warn(
        { err: cause, admittedUnchecked: this.#unloggedAdmissions, dimensions },
        'Redis unavailable: admitting requests without counting them (failure policy open)',
      );
      this.#lastLogAt = now;
      this.#unloggedAdmissions = 0;
    }
    return true;
  }
}
