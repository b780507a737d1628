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
  /**
   * The response is about to end with a usage event to follow: a held lease is released now, and the
   * promise settles once quota has it (or after `RELEASE_WAIT_MS`, whichever comes first), so that the
   * response's last bytes can wait for it. A later `end()` adds nothing.
   */
  settle(): Promise<void>;
  /**
   * Quota's decision never arrived (it timed out, or quota failed): whatever it may still have reserved for
   * the request is given back, by request id, which is harmless if it reserved nothing.
   */
  abandon(): void;
}

/** Longest a response's end waits for quota to confirm its slot is free, number of milliseconds. */
export const RELEASE_WAIT_MS = 250;

/** Most request ids in one renew notice (the contract's limit). */
const RENEW_BATCH = 1000;

/**
 * Keeps the quota leases of this proxy's running requests: one renew notice for all of them every third
 * of the lease TTL, and a release as each response ends. A response that completes releases its slot
 * before its last bytes go out and waits (briefly) for quota to confirm, so that a client sending its next
 * request at once finds the slot free; one that fails or is cut releases with a fire-and-forget notice
 * (and a request without a lease only when it ends without a usage event, so that its reservation is
 * refunded now). A lost release costs at most a lease TTL of a slot, never a wrong count. If this process
 * dies, its leases lapse and quota takes the slots back.
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
    const lease: RequestLease = {
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
      abandon: () => {
        if (state !== 'deciding') return;
        state = 'ended';
        follows = false;
        release(false);
      },
      settle: () => {
        if (state !== 'held') {
          lease.end(true);
          return Promise.resolve();
        }
        state = 'ended';
        follows = true;
        this.#held.delete(requestId);
        if (this.#held.size === 0) this.#stop();
        return this.#bus.request(Release, { requestId, usageFollows: true }, { timeoutMs: RELEASE_WAIT_MS }).then(
          () => undefined,
          // Quota slow or away: the lease lapses on its own, as it would for a lost notice.
          () => undefined,
        );
      },
    };
    return lease;
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
