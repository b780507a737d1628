import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter } from 'prom-client';
import { connectBus, endpoint, isBusReady, startService, stopService } from '@aigw/bus';
import type { AuthConfig, GatewayConfig } from '@aigw/config';
import { GatewayError, GetTenant, RecordAuthFailure, VerifyKey } from '@aigw/contracts';
import { createAuthenticator, followKeyChanges } from '@aigw/auth-client';
import { createEdgeServer, type EdgeDeadlines } from '@aigw/http-edge';
import { createMetricsRegistry, startOpsServer, type Logger } from '@aigw/telemetry';
import { createAdminApp } from './admin/admin-api';
import { announceKeysChanged } from './key-events';
import { planSeed } from './seed-plan';
import { AuthStore } from './store/auth-store';
import { tenantOf } from './store/records';

export interface AuthServiceOptions {
  natsUrl: string;
  redisUrl: string;
  /** Port of `/healthz`, `/readyz` and `/metrics`; 0 picks a free one. */
  opsPort: number;
  /** Interface of the ops endpoints; loopback by default. */
  opsHost?: string;
  /** Port of the admin API; 0 picks a free one. */
  adminPort: number;
  /** Interface the admin API listens on; loopback by default. */
  adminHost?: string;
  /** How long an admin request may take to arrive; `DEFAULT_EDGE_DEADLINES` by default. */
  adminDeadlines?: EdgeDeadlines;
  /** Keys to seed, from the gateway config. */
  keys: GatewayConfig['keys'];
  /** Where the variables named by each key's `secretEnv` are looked up. */
  secrets: Readonly<Record<string, string | undefined>>;
  /** The config's `auth:` section: trusted proxies, the failed-authentication budget, JWT issuers (for the admin API). */
  auth: Pick<AuthConfig, 'trustedProxies' | 'failedAuth'> & Partial<Pick<AuthConfig, 'jwtIssuers'>>;
  /** The quota config's tier presets, by id. */
  tiers: Readonly<Record<string, object>>;
  logger: Logger;
  /** Deadline of one Redis command, number of milliseconds. */
  redisCommandTimeoutMs?: number;
}

export interface AuthService {
  /** Port the ops server listens on. */
  opsPort: number;
  /** Port the admin API listens on. */
  adminPort: number;
  /** Stops taking requests, answers the ones in flight, then closes NATS, Redis and both HTTP servers. */
  close(): Promise<void>;
}

/** The admin API is for `admin` credentials only. */
const ADMIN_ROLES = ['admin'] as const;

/**
 * Starts the auth service: seeds the configured keys into Redis, then answers `auth.v1.verify-key`,
 * `auth.v1.get-tenant` and `auth.v1.record-failure` and serves the admin API. It joins the queue group
 * only once the keys are stored, so a replica that cannot reach Redis at boot takes no share of the traffic.
 */
export async function startAuthService(opts: AuthServiceOptions): Promise<AuthService> {
  const { logger } = opts;
  const plan = planSeed(opts.keys, opts.secrets);
  for (const { keyId, secretEnv } of plan.skipped) {
    logger.warn({ keyId, secretEnv }, `key ${keyId} not seeded: ${secretEnv} is not set`);
  }

  const registry = createMetricsRegistry('auth');
  const verifications = new Counter({
    name: 'aigw_auth_verifications_total',
    help: 'Key verifications answered, by result (ok or the error code).',
    labelNames: ['result'],
    registers: [registry],
  });

  const nc = await connectBus({ servers: opts.natsUrl, name: 'auth', logger });
  const store = new AuthStore({
    redisUrl: opts.redisUrl,
    seed: plan.keys,
    logger,
    commandTimeoutMs: opts.redisCommandTimeoutMs ?? 500,
    failedAuth: { limit: opts.auth.failedAuth.limit, windowMs: opts.auth.failedAuth.windowS * 1000 },
    onSeedReplaced: (key, keyHashes) =>
      void announceKeysChanged(nc, { reason: 'rotated', keyIds: [key.keyId], keyHashes, tenantId: key.tenantId }, logger),
  });
  const ops = await startOpsServer({ port: opts.opsPort, host: opts.opsHost, registry, ready: () => isBusReady(nc) && store.ready });
  await store.seeded;

  const service = await startService(
    nc,
    'auth',
    [
      endpoint(VerifyKey, async ({ keyHash, clientIp, keyPrefix }) => {
        try {
          const principal = await store.verify(keyHash, clientIp, keyPrefix);
          verifications.inc({ result: 'ok' });
          return { principal };
        } catch (err) {
          verifications.inc({ result: err instanceof GatewayError ? err.code : 'internal_error' });
          throw err;
        }
      }),
      endpoint(GetTenant, async ({ tenantId }) => ({ tenant: tenantOf(await store.getTenant(tenantId)) })),
      endpoint(RecordAuthFailure, ({ clientIp }) => store.recordFailure(clientIp)),
    ],
    logger,
  );

  // The admin API asks the store itself, every time: it is this service, and admin calls are few.
  const adminAuth = createAuthenticator(
    {
      verifyKey: ({ keyHash, clientIp, keyPrefix }) => store.verify(keyHash, clientIp, keyPrefix),
      getTenant: async (tenantId) => tenantOf(await store.getTenant(tenantId)),
      recordFailure: (clientIp) => store.recordFailure(clientIp),
    },
    { roles: ADMIN_ROLES, ttlMs: 0, auth: { trustedProxies: opts.auth.trustedProxies, jwtIssuers: opts.auth.jwtIssuers ?? {} }, secrets: opts.secrets },
  );
  followKeyChanges(nc, [adminAuth], logger);
  const admin: Server = createEdgeServer(
    createAdminApp({ store, nc, logger, registry, authenticate: adminAuth.authenticate, tiers: opts.tiers }),
    opts.adminDeadlines,
  );
  await new Promise<void>((resolve, reject) => {
    admin.once('error', reject);
    admin.listen(opts.adminPort, opts.adminHost ?? '127.0.0.1', () => resolve());
  });

  return {
    opsPort: (ops.address() as AddressInfo).port,
    adminPort: (admin.address() as AddressInfo).port,
    async close() {
      const adminClosed = new Promise<void>((resolve) => admin.close(() => resolve()));
      admin.closeIdleConnections();
      await adminClosed;
      await stopService(service);
      await nc.drain();
      await store.close();
      await new Promise<void>((resolve) => ops.close(() => resolve()));
    },
  };
}
