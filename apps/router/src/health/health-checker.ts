import { randomUUID } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { encodeJson } from '@aigw/bus';
import type { RoutingSection } from '@aigw/config';
import { ATTEMPTS_REPORTED_MAX, AttemptsReportedEvent, Buckets, type AttemptFinished, type AttemptOutcome, type AttemptsReported } from '@aigw/contracts';
import type { Logger } from '@aigw/telemetry';

/**
 * What a health check asks for: the model list, a cheap read that costs no tokens. Without credentials the
 * answer is often 401 or 404, which shows the upstream's server is up just as well, whatever its wire format.
 */
const PROBE_PATH = '/models';

/** One upstream to check, and the deployments its result stands for. */
export interface ProbeTarget {
  baseUrl: string;
  deploymentIds: string[];
}

export interface HealthCheckerOptions {
  nc: NatsConnection;
  /** The shared-state bucket, holding the lease that elects the one replica that checks. */
  kv: KV;
  replicaId: string;
  settings: () => RoutingSection['healthCheck'];
  targets: () => ProbeTarget[];
  onCheck: (outcome: AttemptOutcome) => void;
  logger: Logger;
}

export interface HealthChecker {
  /** Runs one round now (lease, then checks if this replica holds it); resolves when it is done. */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

interface Lease {
  holder: string;
  /** Unix time in milliseconds. */
  expiresAt: number;
}

/**
 * Active health checks. Every `intervalMs` the replica holding the lease (a KV entry that others may take
 * once it is three intervals old) sends `GET <baseUrl>/models` to every upstream, without credentials:
 * any answer below 500 means the upstream is up. A failed check is published as a finished attempt
 * with source `probe` for each deployment of that upstream, so every replica's circuit breaker counts it,
 * and a dead upstream is found without a client request paying for it. Successful checks close nothing:
 * an upstream that answers its model list may still fail completions, which only real requests show.
 */
export function startHealthChecker(opts: HealthCheckerOptions): HealthChecker {
  const { nc, kv, replicaId, logger } = opts;
  const key = Buckets.routerState.probeLeaseKey;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let round: Promise<void> = Promise.resolve();
  /** Revision of the lease this replica wrote last: while no one else writes it, renewing it needs no read. */
  let heldRevision: number | undefined;

  const holdLease = async (): Promise<boolean> => {
    const now = Date.now();
    const lease = JSON.stringify({ holder: replicaId, expiresAt: now + 3 * opts.settings().intervalMs } satisfies Lease);
    if (heldRevision !== undefined) {
      try {
        heldRevision = await kv.update(key, lease, heldRevision);
        return true;
      } catch {
        // Someone else wrote it since (or KV is away): read who holds it now.
        heldRevision = undefined;
      }
    }
    try {
      const entry = await kv.get(key);
      if (!entry || entry.operation !== 'PUT') {
        heldRevision = await kv.create(key, lease);
        return true;
      }
      const current = entry.json<Lease>();
      if (current.holder !== replicaId && current.expiresAt > now) return false;
      heldRevision = await kv.update(key, lease, entry.revision);
      return true;
    } catch {
      // Another replica wrote the lease first (or KV is away): it checks this round.
      return false;
    }
  };

  const check = async (target: ProbeTarget): Promise<void> => {
    const started = performance.now();
    let outcome: AttemptOutcome;
    let status: number | undefined;
    const { timeoutMs } = opts.settings();
    try {
      const res = await fetch(probeUrl(target.baseUrl), { signal: AbortSignal.timeout(timeoutMs) });
      status = res.status;
      await res.body?.cancel();
      outcome = status >= 500 ? 'server_error' : 'ok';
    } catch (err) {
      outcome = (err as Error).name === 'TimeoutError' ? 'timeout' : 'network_error';
    }
    opts.onCheck(outcome);
    if (outcome === 'ok') return;
    const latencyMs = performance.now() - started;
    const ts = Date.now();
    const finished = target.deploymentIds.map(
      (deploymentId): AttemptFinished => ({
        requestId: `probe-${randomUUID()}`,
        attempt: 1,
        deploymentId,
        source: 'probe',
        outcome,
        latencyMs,
        streamed: false,
        ts,
        ...(status === undefined ? {} : { status }),
      }),
    );
    for (let i = 0; i < finished.length; i += ATTEMPTS_REPORTED_MAX) {
      const batch: AttemptsReported = { v: 1, started: [], finished: finished.slice(i, i + ATTEMPTS_REPORTED_MAX) };
      nc.publish(AttemptsReportedEvent.subject, encodeJson(batch));
    }
  };

  const runOnce = async (): Promise<void> => {
    if (!opts.settings().enabled || !(await holdLease())) return;
    await Promise.all(opts.targets().map(check));
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      round = runOnce()
        .catch((err: unknown) => logger.warn({ err }, 'health check round failed'))
        .finally(schedule);
    }, opts.settings().intervalMs);
  };
  schedule();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round;
      try {
        const entry = await kv.get(key);
        if (entry?.operation === 'PUT' && entry.json<Lease>().holder === replicaId) await kv.delete(key);
      } catch {
        // The lease expires by itself.
      }
    },
  };
}

/** `<baseUrl>/models`, keeping a query the base URL carries (e.g. Azure's `api-version`). */
function probeUrl(baseUrl: string): URL {
  const url = new URL(baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${PROBE_PATH}`;
  return url;
}
