/**
 * Sums of a few counters over the last `spanMs`, kept in `buckets` slots of `spanMs / buckets` each, so
 * that adding and reading cost the same at any traffic. A slot older than the span counts no more; the sum
 * may include up to one slot's worth of time beyond the span.
 */
export class SlidingWindow {
  readonly #slotMs: number;
  readonly #slots: Float64Array[];
  /** Start time of the slot each position holds. */
  readonly #starts: Float64Array;

  constructor(
    spanMs: number,
    readonly counters: number,
    buckets = 10,
  ) {
    this.#slotMs = Math.max(1, Math.ceil(spanMs / buckets));
    this.#slots = Array.from({ length: buckets }, () => new Float64Array(counters));
    this.#starts = new Float64Array(buckets).fill(-Infinity);
  }

  /** Adds `values[i]` to counter `i` at time `now`. */
  add(now: number, values: readonly number[]): void {
    const slot = this.#slotAt(now);
    for (let i = 0; i < this.counters; i += 1) slot[i]! += values[i] ?? 0;
  }

  /** Every counter's sum over the span ending at `now`. */
  sums(now: number): number[] {
    const out = new Array<number>(this.counters).fill(0);
    const oldest = this.#start(now) - this.#slotMs * (this.#slots.length - 1);
    this.#slots.forEach((slot, i) => {
      if (this.#starts[i]! < oldest) return;
      for (let c = 0; c < this.counters; c += 1) out[c]! += slot[c]!;
    });
    return out;
  }

  #start(now: number): number {
    return Math.floor(now / this.#slotMs) * this.#slotMs;
  }

  #slotAt(now: number): Float64Array {
    const start = this.#start(now);
    const i = Math.floor(start / this.#slotMs) % this.#slots.length;
    if (this.#starts[i] !== start) {
      this.#starts[i] = start;
      this.#slots[i]!.fill(0);
    }
    return this.#slots[i]!;
  }
}
