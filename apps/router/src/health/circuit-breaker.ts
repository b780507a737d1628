import type { RoutingSection } from '@aigw/config';
import { SlidingWindow } from './sliding-window';

export type BreakerSettings = RoutingSection['breaker'];

/** What a deployment's circuit says now. `half_open` is `open` past its cool-down: probes may go through. */
export type CircuitState = 'closed' | 'open' | 'half_open';

/**
 * A circuit as router replicas share it (NATS KV, `circuit.<deployment>`). Replicas apply records through
 * `CircuitBreaker#apply`, which keeps the greatest `(gen, by)`: whatever order the records arrive in, every
 * replica ends with the same one.
 */
export interface CircuitRecord {
  state: 'closed' | 'open';
  /** Open: when probes may start, Unix time in milliseconds. */
  until: number;
  /** Times opened in a row without closing in between; the cool-down doubles with each. */
  opens: number;
  /** Transitions so far; a record with a higher generation replaces a lower one. */
  gen: number;
  /** Replica that proposed it; breaks ties between proposals of the same generation. */
  by: string;
}

const CLOSED: CircuitRecord = { state: 'closed', until: 0, opens: 0, gen: 0, by: '' };

/** Whether `a` replaces `b`: later generation first, then the greater replica id. */
export function supersedes(a: CircuitRecord, b: CircuitRecord): boolean {
  return a.gen > b.gen || (a.gen === b.gen && a.by > b.by);
}

/**
 * One deployment's circuit breaker: closed → open after `consecutiveFailures` failures in a row or a failure
 * rate of `failureRate` over `windowMs` (with at least `minRequests` outcomes) → half-open after the
 * cool-down, letting `halfOpenProbes` requests through → closed on a success, open again (with a doubled
 * cool-down) on a failure. Outcomes change nothing by themselves: they return the record to propose, which
 * takes effect once applied, so that local and shared transitions go through one door.
 */
export class CircuitBreaker {
  readonly #settings: () => BreakerSettings;
  readonly #replicaId: string;
  #record: CircuitRecord = CLOSED;
  #consecutive = 0;
  /** Attempts and failures over the last `windowMs`; made again when the setting changes. */
  #window: SlidingWindow | undefined;
  #windowMs = 0;
  /** Probe slots taken while half-open, by token, with the time each was taken. */
  readonly #probes = new Map<string, number>();

  /** `settings` is read at each decision, so that a configuration change applies at once. */
  constructor(settings: () => BreakerSettings, replicaId: string) {
    this.#settings = settings;
    this.#replicaId = replicaId;
  }

  get record(): CircuitRecord {
    return this.#record;
  }

  state(now: number): CircuitState {
    if (this.#record.state === 'closed') return 'closed';
    return now < this.#record.until ? 'open' : 'half_open';
  }

  /** A failed attempt; returns the record that opens the circuit, when this failure should. */
  onFailure(now: number): CircuitRecord | undefined {
    this.#consecutive += 1;
    this.#remember(now, true);
    const state = this.state(now);
    if (state === 'open') return undefined;
    if (state === 'half_open') return this.#opened(now, this.#record.opens + 1);
    const s = this.#settings();
    const [attempts = 0, failures = 0] = this.#windowOf(s).sums(now);
    const tripped = this.#consecutive >= s.consecutiveFailures || (attempts >= s.minRequests && failures / attempts >= s.failureRate);
    return tripped ? this.#opened(now, 1) : undefined;
  }

  /** A served attempt; returns the record that closes the circuit, when it was half-open. */
  onSuccess(now: number): CircuitRecord | undefined {
    this.#consecutive = 0;
    this.#remember(now, false);
    if (this.state(now) !== 'half_open') return undefined;
    return { state: 'closed', until: 0, opens: 0, gen: this.#record.gen + 1, by: this.#replicaId };
  }

  /** Takes a record, local or from another replica, unless the one in force supersedes it. */
  apply(record: CircuitRecord): boolean {
    if (!supersedes(record, this.#record)) return false;
    const reopened = record.state === 'open' && record.until !== this.#record.until;
    this.#record = record;
    if (record.state === 'closed' || reopened) {
      this.#probes.clear();
      this.#consecutive = 0;
      this.#window = undefined;
    }
    return true;
  }

  /** Half-open: takes one of the probe slots for `token` if one is free. */
  tryProbe(now: number, token: string): boolean {
    const s = this.#settings();
    for (const [t, at] of this.#probes) if (now - at >= s.probeTimeoutMs) this.#probes.delete(t);
    if (this.#probes.size >= s.halfOpenProbes) return false;
    this.#probes.set(token, now);
    return true;
  }

  releaseProbe(token: string): void {
    this.#probes.delete(token);
  }

  #opened(now: number, opens: number): CircuitRecord {
    const s = this.#settings();
    const cooldown = Math.min(s.maxCooldownMs, s.cooldownMs * 2 ** (opens - 1));
    return { state: 'open', until: now + cooldown, opens, gen: this.#record.gen + 1, by: this.#replicaId };
  }

  #remember(now: number, failed: boolean): void {
    this.#windowOf(this.#settings()).add(now, [1, failed ? 1 : 0]);
  }

  #windowOf(s: BreakerSettings): SlidingWindow {
    if (!this.#window || this.#windowMs !== s.windowMs) {
      this.#window = new SlidingWindow(s.windowMs, 2);
      this.#windowMs = s.windowMs;
    }
    return this.#window;
  }
}
