import type { BusClient } from '@aigw/bus';
import { Release, Renew } from '@aigw/contracts';

/** One admitted request's standing with quota, from admission to the response's end. */
export interface RequestLease {
  /** Quota admitted the request; with `leaseTtlMs` it holds a concurrency lease to keep renewed until `end()`. */
  admitted(leaseTtlMs: number | undefined): void;
  /**
   * The response is over, however it ended. `usageFollows` says whether a usage event was published for the
   * request: quota settles the reservation with it, else refunds it. A lease is released now either way; a
   * request without one is only released when no event follows.
   */
  end(usageFollows: boolean): void;
}

/** Most request ids in one renew notice (the contract's limit). */
const RENEW_BATCH = 1000;

/**
 * Keeps the quota leases of this proxy's running requests: one renew notice for all of them every third
 * of the lease TTL, and a release notice the moment each response ends (and for a request without a lease,
 * only when it ends without a usage event, so that its reservation is refunded now). Both are
 * fire-and-forget NATS messages, off the response path: a lost one costs at most a lease TTL of a slot,
 * never a wrong count. If this process dies, its leases lapse and quota takes the slots back.
 */
export class LeaseKeeper {
  readonly #bus: BusClient;
  readonly #held = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #intervalMs = Infinity;

  constructor(bus: BusClient) {
    this.#bus = bus;
  }

  /** The request's standing, inactive until quota admits it. */
  track(requestId: string): RequestLease {
    let state: 'deciding' | 'admitted' | 'held' | 'ended' = 'deciding';
    let follows = true;
    const release = (usageFollows: boolean) => this.#bus.notify(Release, { requestId, usageFollows });
    return {
      admitted: (leaseTtlMs) => {
        // The client may have gone while quota was deciding: what it granted is given back at once.
        if (state === 'ended') {
          if (leaseTtlMs !== undefined || !follows) release(follows);
          return;
        }
        state = leaseTtlMs === undefined ? 'admitted' : 'held';
        if (leaseTtlMs !== undefined) this.#hold(requestId, leaseTtlMs);
      },
      end: (usageFollows) => {
        const was = state;
        state = 'ended';
        follows = usageFollows;
        if (was === 'held') {
          this.#held.delete(requestId);
          if (this.#held.size === 0) this.#stop();
          release(usageFollows);
        } else if (was === 'admitted' && !usageFollows) {
          release(false);
        }
      },
    };
  }

  #hold(requestId: string, ttlMs: number): void {
    this.#held.add(requestId);
    const intervalMs = Math.max(1, Math.floor(ttlMs / 3));
    if (this.#timer && intervalMs >= this.#intervalMs) return;
    this.#stop();
    this.#intervalMs = intervalMs;
    this.#timer = setInterval(() => this.#renew(), intervalMs);
    this.#timer.unref();
  }

  #renew(): void {
    const ids = [...this.#held];
    for (let i = 0; i < ids.length; i += RENEW_BATCH) this.#bus.notify(Renew, { requestIds: ids.slice(i, i + RENEW_BATCH) });
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#intervalMs = Infinity;
  }
}
