import type { AddressInfo } from 'node:net';
import { Counter } from 'prom-client';
import { connectBus, endpoint, isBusReady, startService, stopService } from '@aigw/bus';
import type { GatewayConfig } from '@aigw/config';
import { GatewayError, VerifyKey } from '@aigw/contracts';
import { createMetricsRegistry, startOpsServer, type Logger } from '@aigw/telemetry';
import { planSeed } from './key-records';
import { KeyStore } from './key-store';

export interface AuthServiceOptions {
  natsUrl: string;
  redisUrl: string;
  /** Port of `/healthz`, `/readyz` and `/metrics`; 0 picks a free one. */
  opsPort: number;
  /** Keys to seed, from the gateway config. */
  keys: GatewayConfig['keys'];
  /** Where the variables named by each key's `secretEnv` are looked up. */
  secrets: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  /** Deadline of one Redis command, number of milliseconds. */
  redisCommandTimeoutMs?: number;
}

export interface AuthService {
  /** Port the ops server listens on. */
  opsPort: number;
  /** Stops taking requests, answers the ones in flight, then closes NATS, Redis and the ops server. */
  close(): Promise<void>;
}

/**
 * Starts the auth service: seeds the configured keys into Redis, then answers `auth.v1.verify-key`.
 * It joins the queue group only once the keys are stored, so a replica that cannot reach Redis at boot
 * takes no share of the traffic.
 */
export async function startAuthService(opts: AuthServiceOptions): Promise<AuthService> {
  const { logger } = opts;
  const plan = planSeed(opts.keys, opts.secrets);
  for (const { keyId, secretEnv } of plan.skipped) {
    logger.warn({ keyId, secretEnv }, `key ${keyId} not seeded: ${secretEnv} is not set`);
  }
  const store = new KeyStore({
    redisUrl: opts.redisUrl,
    records: plan.records,
    logger,
    commandTimeoutMs: opts.redisCommandTimeoutMs ?? 500,
  });

  const registry = createMetricsRegistry('auth');
  const verifications = new Counter({
    name: 'aigw_auth_verifications_total',
    help: 'Key verifications answered, by result (ok or the error code).',
    labelNames: ['result'],
    registers: [registry],
  });

  const nc = await connectBus({ servers: opts.natsUrl, name: 'auth', logger });
  const ops = await startOpsServer({ port: opts.opsPort, registry, ready: () => isBusReady(nc) && store.ready });
  await store.seeded;

  const service = await startService(
    nc,
    'auth',
    [
      endpoint(VerifyKey, async ({ keyHash }) => {
        try {
          const principal = await store.lookup(keyHash);
          verifications.inc({ result: 'ok' });
          return { principal };
        } catch (err) {
          verifications.inc({ result: err instanceof GatewayError ? err.code : 'internal_error' });
          throw err;
        }
      }),
    ],
    logger,
  );

  return {
    opsPort: (ops.address() as AddressInfo).port,
    async close() {
      await stopService(service);
      await nc.drain();
      await store.close();
      await new Promise<void>((resolve) => ops.close(() => resolve()));
    },
  };
}
