import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NatsConnection } from '@nats-io/transport-node';
import { Admit, type AdmitRequest, type AdmitResponse } from '@aigw/contracts';
import { connectBus, endpoint, isBusReady, startService } from '@aigw/bus';
import type { GatewayConfig } from '@aigw/config';
import { createMetricsRegistry, startOpsServer, type Logger } from '@aigw/telemetry';
import { toAdmitResponse } from './admit-reply';
import { createQuotaMetrics, type DecisionResult } from './quota-metrics';
import { connectRedis, isRedisReady } from './redis-connection';
import { RPM_WINDOW_MS, RpmWindow } from './rpm-window';

export interface QuotaServiceOptions {
  nats: { servers: string };
  redis: { url: string };
  /** Where `/healthz`, `/readyz` and `/metrics` listen; port 0 picks a free one. */
  ops: { port: number; host?: string };
  /** The gateway config's `quota` section: limits of keys that carry none of their own. */
  quota: GatewayConfig['quota'];
  logger: Logger;
}

export interface QuotaService {
  /** Port the ops server listens on. */
  opsPort: number;
  /** Stops taking requests, answers those in flight, then closes NATS, Redis and the ops server. */
  close(): Promise<void>;
}

/**
 * Serves `quota.v1.admit`: one requests-per-minute decision per call, taken atomically in Redis so that
 * the limit holds across every replica. Redis trouble fails closed (see `REDIS_FAILURE_POLICY`).
 */
export async function startQuotaService(opts: QuotaServiceOptions): Promise<QuotaService> {
  const { logger } = opts;
  const registry = createMetricsRegistry('quota');
  const metrics = createQuotaMetrics(registry);
  const redis = connectRedis(opts.redis.url, logger);
  const rpmWindow = new RpmWindow(redis);

  const decide = async (req: AdmitRequest): Promise<AdmitResponse> => {
    const limit = req.limits.rpm ?? opts.quota.defaults.rpm;
    const stopTimer = metrics.decisionSeconds.startTimer();
    let result: DecisionResult = 'error';
    try {
      const state = await rpmWindow.admit(req.keyId, req.requestId, limit);
      const reply = toAdmitResponse(req.keyId, limit, RPM_WINDOW_MS, state);
      result = reply.admitted ? 'admitted' : 'refused';
      return reply;
    } finally {
      stopTimer({ result });
      metrics.decisions.inc({ result });
    }
  };

  // The services framework answers asynchronously; shutdown waits for these before draining the connection.
  const inflight = new Set<Promise<AdmitResponse>>();
  const admit = (req: AdmitRequest): Promise<AdmitResponse> => {
    const decision = decide(req);
    const forget = () => inflight.delete(decision);
    inflight.add(decision);
    decision.then(forget, forget);
    return decision;
  };

  let ops: Server | undefined;
  let nc: NatsConnection | undefined;
  let service: Awaited<ReturnType<typeof startService>> | undefined;
  const close = async () => {
    await service?.stop();
    await Promise.allSettled(inflight);
    if (nc && !nc.isClosed()) await nc.drain();
    if (isRedisReady(redis)) await redis.quit();
    else redis.disconnect();
    if (ops) await closeServer(ops);
  };

  try {
    // Ops first, so that the process answers /healthz (and /readyz: not ready) while NATS is still coming up.
    ops = await startOpsServer({
      port: opts.ops.port,
      host: opts.ops.host,
      registry,
      ready: () => nc !== undefined && isBusReady(nc) && isRedisReady(redis),
    });
    nc = await connectBus({ servers: opts.nats.servers, name: 'quota', logger });
    service = await startService(nc, 'quota', [endpoint(Admit, admit)], logger);
  } catch (err) {
    await close();
    throw err;
  }
  return { opsPort: (ops.address() as AddressInfo).port, close };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // Keep-alive connections (a scraper, a probe) would otherwise hold the close open until they time out.
    server.closeIdleConnections();
  });
}
