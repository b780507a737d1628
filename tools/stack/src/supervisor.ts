import type { ServiceName, ServiceProcess } from './services';

/** What the supervisor needs of a stack: its processes, and a way to start one again. */
export interface Supervised {
  services: Map<ServiceName, ServiceProcess>;
  restart(name: ServiceName): Promise<void>;
}

export interface SupervisorOptions {
  /** A service that exits within this long of its start crashed on start-up: the next restart waits longer. */
  stableMs?: number;
  /** Wait before restarting a service that crashed on start-up, doubled each time in a row, up to `maxDelayMs`. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  onExit?(name: ServiceName, reason: string | number, restartInMs: number): void;
  onRestarted?(name: ServiceName, pid: number): void;
  onRestartFailed?(name: ServiceName, err: unknown): void;
}

export interface Supervisor {
  /** No more restarts; resolves once a restart under way has started its process, which the caller then stops. */
  stop(): Promise<void>;
}

/**
 * Starts again every service that exits on its own, as docker-compose's `restart: unless-stopped` and
 * Kubernetes do: a crashed or killed process is then an outage of that service, which the others report (a
 * 503 naming it) and recover from, not the end of the whole gateway. A service that had been up for a while is
 * restarted at once; one that dies again soon after starting waits `firstDelayMs`, doubling each time it
 * does, so that a crash loop does not spin.
 */
export function superviseServices(stack: Supervised, opts: SupervisorOptions = {}): Supervisor {
  const stableMs = opts.stableMs ?? 10_000;
  const firstDelayMs = opts.firstDelayMs ?? 1_000;
  const maxDelayMs = opts.maxDelayMs ?? 30_000;
  const timers = new Set<NodeJS.Timeout>();
  const underWay = new Set<Promise<void>>();
  let stopped = false;

  const watch = (name: ServiceName, child: ServiceProcess['child'], startedAt: number, crashes: number) => {
    child.once('exit', (code, signal) => {
      if (stopped) return;
      const crashesInARow = Date.now() - startedAt < stableMs ? crashes + 1 : 0;
      schedule(name, code ?? signal ?? 'unknown', crashesInARow);
    });
  };

  const schedule = (name: ServiceName, reason: string | number, crashesInARow: number) => {
    const delay = crashesInARow === 0 ? 0 : Math.min(firstDelayMs * 2 ** (crashesInARow - 1), maxDelayMs);
    opts.onExit?.(name, reason, delay);
    const timer = setTimeout(() => {
      timers.delete(timer);
      const restart = stack.restart(name).then(
        () => {
          if (stopped) return;
          const svc = stack.services.get(name)!;
          watch(name, svc.child, Date.now(), crashesInARow);
          opts.onRestarted?.(name, svc.child.pid!);
        },
        (err: unknown) => {
          opts.onRestartFailed?.(name, err);
          if (!stopped) schedule(name, 'failed to start', crashesInARow + 1);
        },
      );
      underWay.add(restart);
      void restart.finally(() => underWay.delete(restart));
    }, delay);
    timers.add(timer);
  };

  // The stack came up whole, so none of its services counts as crashing on start-up: each starts out stable.
  const stableSince = Date.now() - stableMs;
  for (const svc of stack.services.values()) watch(svc.name, svc.child, stableSince, 0);

  return {
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all(underWay);
    },
  };
}
