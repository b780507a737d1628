import { ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';

/**
 * A context manager without async propagation: `context.active()` is what the innermost `context.with()`
 * still running set, and the root context once that callback returns, even in code it started that runs
 * later. A service that uses it passes its trace context across awaits itself. What it saves: Node 20's
 * `AsyncLocalStorage`, on which the SDK's default manager rests, turns on a hook for every promise made in
 * the process (about 8% of the proxy's CPU, README § Performance).
 */
export class SyncContextManager implements ContextManager {
  #active: Context = ROOT_CONTEXT;

  active(): Context {
    return this.#active;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const outer = this.#active;
    this.#active = ctx;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.#active = outer;
    }
  }

  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const fn = target as (...args: unknown[]) => unknown;
    const withContext = (thisArg: unknown, args: unknown[]) => this.with(ctx, fn, thisArg, ...args);
    return function bound(this: unknown, ...args: unknown[]) {
      return withContext(this, args);
    } as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.#active = ROOT_CONTEXT;
    return this;
  }
}
