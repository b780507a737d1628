/**
 * Tasks running at once, at most `limit` of them: the caller waits for room before starting another.
 * `consumeInBatches` bounds with it the batches a JetStream consumer handles at once, so that it never pulls
 * past what it can hold.
 */
export class InFlight {
  readonly #tasks = new Set<Promise<void>>();

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`in-flight limit must be a positive integer, got ${limit}`);
  }

  /** Tracks a task that never rejects (it settles its own failures) until it ends. */
  add(task: Promise<void>): void {
    const tracked = task.finally(() => this.#tasks.delete(tracked));
    this.#tasks.add(tracked);
  }

  /** Resolves once fewer than `limit` tasks run. */
  async room(): Promise<void> {
    while (this.#tasks.size >= this.limit) await Promise.race(this.#tasks);
  }

  /** Resolves once every task tracked now or added meanwhile has ended. */
  async drain(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.all(this.#tasks);
  }
}
