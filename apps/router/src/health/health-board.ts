import type { RoutingSection } from '@aigw/config';
import type { AttemptFinished, AttemptOutcome, AttemptStarted } from '@aigw/contracts';
import { CircuitBreaker, type CircuitRecord, type CircuitState } from './circuit-breaker';
import { SlidingWindow } from './sliding-window';

/** Outcomes that count against a deployment; the others say nothing about its health. */
const FAILURES: ReadonlySet<AttemptOutcome> = new Set(['server_error', 'timeout', 'network_error', 'rejected']);

/** A 429 without `retry-after` cools the deployment down for this long, number of milliseconds. */
const DEFAULT_RATE_LIMIT_COOLDOWN_MS = 1_000;
/** An attempt whose end never arrives (its proxy died) stops counting as in flight after this. */
const IN_FLIGHT_TTL_MS = 15 * 60_000;
/** A route decision counts for its first candidate until that attempt's start arrives, at most this long. */
const RESERVATION_TTL_MS = 5_000;
const MINUTE_MS = 60_000;

/** What one deployment's capacity window holds now. */
export interface CapacityUse {
  requests: number;
  tokens: number;
}

/** One deployment's health and load, as every router replica sees it from the attempt reports. */
export class DeploymentHealth {
  readonly breaker: CircuitBreaker;
  /** Until when an upstream 429 keeps the deployment aside, Unix time in milliseconds. */
  coolingUntil = 0;
  /** Moving averages of served attempts, number of milliseconds; undefined before the first sample. */
  ttftMs: number | undefined;
  latencyMs: number | undefined;
  /** When the last latency sample arrived (-Infinity: never), for latency-aware exploration. */
  lastSampleAt = -Infinity;
  /** Attempts started and not yet finished, by `<requestId>#<attempt>`, with their start time. */
  readonly #inFlight = new Map<string, number>();
  /** This replica's route decisions whose attempt has not started yet, by request id. */
  readonly #reserved = new Map<string, number>();
  /** Requests and tokens over the last minute. */
  readonly #use = new SlidingWindow(MINUTE_MS, 2, 12);

  constructor(settings: () => RoutingSection, replicaId: string) {
    this.breaker = new CircuitBreaker(() => settings().breaker, replicaId);
  }

  /** Attempts in flight, this replica's reservations included. */
  inFlight(): number {
    return this.#inFlight.size + this.#reserved.size;
  }

  /** Drops attempts and reservations whose end or start never came. */
  sweep(now: number): void {
    for (const [key, at] of this.#inFlight) if (now - at > IN_FLIGHT_TTL_MS) this.#inFlight.delete(key);
    for (const [key, at] of this.#reserved) if (now - at > RESERVATION_TTL_MS) this.#reserved.delete(key);
  }

  forgetInFlight(): void {
    this.#inFlight.clear();
  }

  holds(requestId: string): boolean {
    return this.#reserved.has(requestId);
  }

  use(now: number): CapacityUse {
    const [requests = 0, tokens = 0] = this.#use.sums(now);
    return { requests: requests + this.#reserved.size, tokens };
  }

  reserve(requestId: string, now: number): void {
    this.#reserved.set(requestId, now);
  }

  unreserve(requestId: string): boolean {
    return this.#reserved.delete(requestId);
  }

  started(event: AttemptStarted, now: number): void {
    this.#inFlight.set(`${event.requestId}#${event.attempt}`, now);
    this.#use.add(now, [1, event.promptTokens ?? 0]);
  }

  /** Books an attempt's end; returns the circuit record to propose, if the outcome changes the circuit. */
  finished(event: AttemptFinished, now: number, alpha: number): CircuitRecord | undefined {
    this.#inFlight.delete(`${event.requestId}#${event.attempt}`);
    this.breaker.releaseProbe(event.requestId);
    this.#use.add(now, [0, event.completionTokens ?? 0]);
    if (event.outcome === 'rate_limited') {
      this.coolingUntil = Math.max(this.coolingUntil, now + (event.retryAfterMs ?? DEFAULT_RATE_LIMIT_COOLDOWN_MS));
      return undefined;
    }
    if (event.outcome === 'ok') {
      this.#sample(event.ttftMs ?? event.latencyMs, event.latencyMs, now, alpha);
      return event.source === 'proxy' ? this.breaker.onSuccess(now) : undefined;
    }
    if (!FAILURES.has(event.outcome)) return undefined;
    // A timeout is the slowest answer there is: latency-aware routing must see it.
    if (event.outcome === 'timeout') this.#sample(event.latencyMs, event.latencyMs, now, alpha);
    return this.breaker.onFailure(now);
  }

  /** Where the deployment stands for routing now. */
  standing(now: number): CircuitState | 'cooling' {
    const state = this.breaker.state(now);
    if (state === 'closed' && now < this.coolingUntil) return 'cooling';
    return state;
  }

  #sample(ttftMs: number, latencyMs: number, now: number, alpha: number): void {
    this.ttftMs = this.ttftMs === undefined ? ttftMs : alpha * ttftMs + (1 - alpha) * this.ttftMs;
    this.latencyMs = this.latencyMs === undefined ? latencyMs : alpha * latencyMs + (1 - alpha) * this.latencyMs;
    this.lastSampleAt = now;
  }
}

export interface HealthBoardOptions {
  settings: () => RoutingSection;
  /** This replica's id, written on the circuit records it proposes. */
  replicaId: string;
  /** Called with each circuit record this replica proposes (already applied here), to share it. */
  onProposal: (deploymentId: string, record: CircuitRecord) => void;
  now?: () => number;
}

/**
 * Every deployment's health on this replica. Fed by the attempt reports every proxy publishes and by the
 * circuit records other replicas share; read by the route planner.
 */
export class HealthBoard {
  readonly #deployments = new Map<string, DeploymentHealth>();
  /** Which deployment holds each request's reservation. */
  readonly #reservations = new Map<string, DeploymentHealth>();
  readonly #opts: HealthBoardOptions;
  readonly now: () => number;

  constructor(opts: HealthBoardOptions) {
    this.#opts = opts;
    this.now = opts.now ?? Date.now;
  }

  of(deploymentId: string): DeploymentHealth {
    let health = this.#deployments.get(deploymentId);
    if (!health) {
      health = new DeploymentHealth(this.#opts.settings, this.#opts.replicaId);
      this.#deployments.set(deploymentId, health);
    }
    return health;
  }

  /** Counts a routed request against its first candidate until its attempt starts. */
  reserve(requestId: string, deploymentId: string): void {
    const health = this.of(deploymentId);
    health.reserve(requestId, this.now());
    this.#reservations.set(requestId, health);
  }

  started(event: AttemptStarted): void {
    const reservation = this.#reservations.get(event.requestId);
    if (reservation) {
      reservation.unreserve(event.requestId);
      this.#reservations.delete(event.requestId);
    }
    this.of(event.deploymentId).started(event, this.now());
  }

  finished(event: AttemptFinished): void {
    const proposal = this.of(event.deploymentId).finished(event, this.now(), this.#opts.settings().latency.alpha);
    if (proposal) this.propose(event.deploymentId, proposal);
  }

  /** Applies a circuit record from another replica (or this one's, echoed back); older ones are ignored. */
  applyCircuit(deploymentId: string, record: CircuitRecord): boolean {
    return this.of(deploymentId).breaker.apply(record);
  }

  propose(deploymentId: string, record: CircuitRecord): void {
    if (this.applyCircuit(deploymentId, record)) this.#opts.onProposal(deploymentId, record);
  }

  /** Starts the in-flight counts afresh, after attempt reports may have been missed. */
  forgetInFlight(): void {
    for (const health of this.#deployments.values()) health.forgetInFlight();
  }

  /** Forgets deployments no longer configured. */
  retain(deploymentIds: ReadonlySet<string>): void {
    for (const id of this.#deployments.keys()) if (!deploymentIds.has(id)) this.#deployments.delete(id);
    const kept = new Set(this.#deployments.values());
    for (const [requestId, health] of this.#reservations) if (!kept.has(health)) this.#reservations.delete(requestId);
  }

  /** Drops what never finished or never started; run every few seconds. */
  sweep(): void {
    const now = this.now();
    for (const health of this.#deployments.values()) health.sweep(now);
    for (const [requestId, health] of this.#reservations) if (!health.holds(requestId)) this.#reservations.delete(requestId);
  }

  entries(): IterableIterator<[string, DeploymentHealth]> {
    return this.#deployments.entries();
  }
}
