import type { QuotaConfig } from '@aigw/config';
import type { ReleaseRequest, ReleaseResponse, RenewRequest, RenewResponse } from '@aigw/contracts';
import type { Logger } from '@aigw/telemetry';
import type { QuotaMetrics } from './quota-metrics';
import type { QuotaStore } from './redis/quota-store';

export interface LeaseHandlers {
  renew(req: RenewRequest): Promise<RenewResponse>;
  release(req: ReleaseRequest): Promise<ReleaseResponse>;
}

/** `quota.v1.renew` and `quota.v1.release`: notices from the proxy about requests it admitted. */
export function createLeaseHandlers(deps: { store: QuotaStore; quota: QuotaConfig; metrics: QuotaMetrics }): LeaseHandlers {
  const { store, quota, metrics } = deps;
  const count = async <T>(notice: 'renew' | 'release', run: () => Promise<T>, found: (r: T) => boolean): Promise<T> => {
    try {
      const result = await run();
      metrics.leaseNotices.inc({ notice, result: found(result) ? 'done' : 'stale' });
      return result;
    } catch (err) {
      metrics.leaseNotices.inc({ notice, result: 'error' });
      throw err;
    }
  };
  return {
    renew: (req) =>
      count('renew', async () => ({ renewed: await store.renew(req.requestIds, quota.leaseTtlMs) }), (r) => r.renewed > 0),
    release: (req) =>
      count(
        'release',
        async () => ({ released: await store.release(req.requestId, req.usageFollows, quota.reconcileGraceMs) }),
        (r) => r.released,
      ),
  };
}

export interface LeaseSweeper {
  close(): Promise<void>;
}

/**
 * Refunds lapsed reservations every `intervalMs`, in batches, from every replica (the sweep script is
 * atomic, so replicas never refund one twice). Concurrency slots need no sweeper: an expired lease stops
 * counting at the next admission.
 */
export function startLeaseSweeper(deps: {
  store: QuotaStore;
  intervalMs: number;
  batch: number;
  metrics: QuotaMetrics;
  logger: Logger;
}): LeaseSweeper {
  const { store, batch, metrics, logger } = deps;
  let lastError: string | undefined;
  let current: Promise<void> | undefined;
  const sweep = async () => {
    try {
      let swept: number;
      do {
        swept = await store.sweep(batch);
        metrics.sweptReservations.inc(swept);
      } while (swept === batch);
      lastError = undefined;
    } catch (err) {
      // During an outage every sweep fails the same way; the admissions already report it.
      if ((err as Error).message !== lastError) logger.warn({ err }, 'sweeping lapsed reservations failed');
      lastError = (err as Error).message;
    }
  };
  const timer = setInterval(() => {
    current ??= sweep().finally(() => {
      current = undefined;
    });
  }, deps.intervalMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await current;
    },
  };
}
