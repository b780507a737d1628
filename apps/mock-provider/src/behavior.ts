import { z } from 'zod';

const ms = z.number().int().min(0).max(600_000);

/**
 * What the mock does with a request: its pacing and the faults it injects. Every field has an env
 * variable (see `env.ts`) and can be changed at runtime through `PUT /_mock/behavior`.
 */
export const BehaviorSchema = z.strictObject({
  /** Delay before the first byte of a stream, or before a whole non-stream answer, number of milliseconds. */
  ttftMs: ms,
  /**
   * Each request's time to first token varies by up to this much either way, uniformly at random, never
   * below 0, number of milliseconds; 0 for a fixed one. A provider's latency varies from one call to the
   * next, and clients that all wait exactly as long stay in lockstep, which no real traffic does.
   */
  ttftJitterMs: ms,
  /** Delay between two stream events, number of milliseconds. */
  chunkDelayMs: ms,
  /** Number of content (or tool-argument) pieces in a reply; each piece counts as one completion token. */
  chunks: z.number().int().min(1).max(100_000),
  /** Answer with this status and the dialect's error body instead of a reply; null for none. */
  faultStatus: z.number().int().min(400).max(599).nullable(),
  /** Share of requests that get the configured faults, 0..1; spread evenly, not at random. */
  faultRate: z.number().min(0).max(1),
  /** Destroy the socket after this many stream events (0: right after the headers); null for never. */
  faultMidstreamAfter: z.number().int().min(0).nullable(),
  /** Delay before the status line and headers, number of milliseconds. */
  faultSlowHeadersMs: ms,
  /** Reset the connection instead of answering. */
  faultReset: z.boolean(),
  /** Answer 200 with JSON cut in half: the whole body, or the second stream event, which then ends the stream. */
  faultMalformed: z.boolean(),
  /** `retry-after` sent with an injected 429, number of seconds. */
  faultRetryAfterS: z.number().int().min(0).max(86_400),
});
export type Behavior = z.infer<typeof BehaviorSchema>;

export const DEFAULT_BEHAVIOR: Readonly<Behavior> = Object.freeze({
  ttftMs: 0,
  ttftJitterMs: 0,
  chunkDelayMs: 0,
  chunks: 8,
  faultStatus: null,
  faultRate: 1,
  faultMidstreamAfter: null,
  faultSlowHeadersMs: 0,
  faultReset: false,
  faultMalformed: false,
  faultRetryAfterS: 1,
});

const Override = BehaviorSchema.partial();
export type BehaviorOverride = z.infer<typeof Override>;

/** Body of `PUT /_mock/behavior`: fields merged into the current behavior; `models.<name>: null` drops an override. */
export const BehaviorPatchSchema = Override.extend({
  models: z.record(z.string().min(1), Override.nullable()).optional(),
});
export type BehaviorPatch = z.infer<typeof BehaviorPatchSchema>;

/** The behavior in force: the global settings and the per-model overrides merged over them. */
export interface BehaviorState extends Behavior {
  models: Record<string, BehaviorOverride>;
}

/** One request's time to first token under `b`: `ttftMs` moved by a uniform draw within `±ttftJitterMs`, at least 0. */
export function drawTtftMs(b: Pick<Behavior, 'ttftMs' | 'ttftJitterMs'>, random: () => number = Math.random): number {
  if (b.ttftJitterMs === 0) return b.ttftMs;
  return Math.max(0, Math.round(b.ttftMs + (random() * 2 - 1) * b.ttftJitterMs));
}

export function hasFault(b: Behavior): boolean {
  return b.faultStatus !== null || b.faultReset || b.faultMidstreamAfter !== null || b.faultSlowHeadersMs > 0 || b.faultMalformed;
}

/**
 * Holds the behavior and decides which requests are faulted. Resolved behaviors are cached per model so
 * that a request costs one map lookup; any change rebuilds the cache and restarts the fault spread.
 */
export class BehaviorStore {
  readonly #defaults: Behavior;
  #global: Behavior;
  #models = new Map<string, BehaviorOverride>();
  #resolved = new Map<string, Behavior>();
  /** Requests seen per fault scope (a model with an override, or '' for the rest). */
  #seen = new Map<string, number>();

  constructor(defaults: Behavior) {
    this.#defaults = BehaviorSchema.parse(defaults);
    this.#global = this.#defaults;
  }

  /** The behavior for a request naming `model`. */
  get(model: string | undefined): Behavior {
    if (model === undefined || this.#models.size === 0) return this.#global;
    let b = this.#resolved.get(model);
    if (!b) {
      const override = this.#models.get(model);
      if (!override) return this.#global;
      b = { ...this.#global, ...override };
      this.#resolved.set(model, b);
    }
    return b;
  }

  /**
   * Whether this request is one of the `faultRate` share that gets the faults. The choice is a running
   * count rather than a coin toss, so that tests and benchmarks see the same requests faulted every run:
   * with rate 0.25, requests 4, 8, 12… of a scope are.
   */
  drawFault(model: string | undefined, b: Behavior): boolean {
    if (!hasFault(b) || b.faultRate === 0) return false;
    if (b.faultRate === 1) return true;
    const scope = model !== undefined && this.#models.has(model) ? model : '';
    const n = this.#seen.get(scope) ?? 0;
    this.#seen.set(scope, n + 1);
    return Math.floor((n + 1) * b.faultRate) > Math.floor(n * b.faultRate);
  }

  /** Merges a validated patch into the current behavior. */
  patch(patch: BehaviorPatch): BehaviorState {
    const { models, ...global } = patch;
    this.#global = { ...this.#global, ...stripUndefined(global) };
    for (const [model, override] of Object.entries(models ?? {})) {
      if (override === null) this.#models.delete(model);
      else this.#models.set(model, { ...this.#models.get(model), ...stripUndefined(override) });
    }
    this.#changed();
    return this.state();
  }

  /** Back to the behavior the store was created with, without model overrides. */
  reset(): BehaviorState {
    this.#global = this.#defaults;
    this.#models.clear();
    this.#changed();
    return this.state();
  }

  state(): BehaviorState {
    return { ...this.#global, models: Object.fromEntries(this.#models) };
  }

  #changed(): void {
    this.#resolved.clear();
    this.#seen.clear();
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
