/**
 * The proxy's own upstream deadlines, raised as abort reasons: undici rejects the request, or destroys the
 * body, with the reason it was aborted for, so `networkFailure` can name the deadline that passed.
 */
export class FirstByteTimeoutError extends Error {
  readonly code = 'AIGW_FIRST_BYTE_TIMEOUT';
  constructor(readonly ms: number) {
    super(`no first byte within ${ms} ms`);
    this.name = 'FirstByteTimeoutError';
  }
}

export class TotalTimeoutError extends Error {
  readonly code = 'AIGW_TOTAL_TIMEOUT';
  constructor(readonly ms: number) {
    super(`not finished within ${ms} ms`);
    this.name = 'TotalTimeoutError';
  }
}

/**
 * Aborts `controller` (a new one by default) with `reason()` after `ms` unless cleared; the timer never keeps
 * the process up.
 */
export function deadline(ms: number, reason: () => Error, controller = new AbortController()): { signal: AbortSignal; clear(): void } {
  const timer = setTimeout(() => controller.abort(reason()), ms);
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** Whether a request's signal was aborted because its total deadline passed, not because its client left. */
export function deadlinePassed(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof TotalTimeoutError;
}
