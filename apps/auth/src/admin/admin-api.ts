import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { NatsConnection } from '@nats-io/transport-node';
import { Counter, type Registry } from 'prom-client';
import {
  hashKey,
  InvalidRequestError,
  keyPrefix,
  NotFoundError,
  type KeysChanged,
  type Principal,
} from '@aigw/contracts';
import type { Authenticate } from '@aigw/auth-client';
import { edgeErrorHandler, securityHeaders } from '@aigw/http-edge';
import type { Logger } from '@aigw/telemetry';
import { announceKeysChanged } from '../key-events';
import { newKeyId, newSecret } from '../key-secrets';
import type { AuthStore, RecordChange } from '../store/auth-store';
import type { KeyRecord } from '../store/records';
import {
  CreateKeyBody,
  CreateTenantBody,
  keyView,
  listView,
  ListKeysQuery,
  ListQuery,
  RotateKeyBody,
  tenantView,
  UpdateKeyBody,
  UpdateTenantBody,
} from './admin-schemas';

export interface AdminApiDeps {
  store: AuthStore;
  nc: NatsConnection;
  logger: Logger;
  registry: Registry;
  /** Who calls, from the edge authenticator every HTTP edge shares (`@aigw/auth-client`); only `admin` passes. */
  authenticate: Authenticate;
  /** The tier presets of the quota config, by id: a tenant's tier must name one. */
  tiers: Readonly<Record<string, object>>;
}

/** Fields of a seed key that the config file owns: changing them here would be undone at the next start. */
const CONFIG_OWNED = ['role', 'limits'] as const;

/** A change to a record: `null` removes a field, `undefined` leaves it alone. */
function changeOf(body: Record<string, unknown>, now: number): RecordChange {
  const change: RecordChange = { set: { updatedAt: now }, unset: [] };
  for (const [field, value] of Object.entries(body)) {
    if (value === null) change.unset.push(field);
    else if (value !== undefined) change.set[field] = value;
  }
  return change;
}

function requireFuture(expiresAt: number | null | undefined, now: number): void {
  if (typeof expiresAt === 'number' && expiresAt <= now) {
    throw new InvalidRequestError("Invalid 'expiresAt': the moment has passed; revoke the key to stop it now.", 'expiresAt');
  }
}

/**
 * The admin API: keys and tenants over HTTP, for callers holding a gateway key with the role `admin`.
 * Secrets appear in exactly two answers, a key's creation and its rotation; everything else shows the
 * display prefix. Every change that can make a cached principal wrong is announced on NATS before it
 * is answered.
 */
export function createAdminApp(deps: AdminApiDeps): Express {
  const { store, logger } = deps;
  const requests = new Counter({
    name: 'aigw_auth_admin_requests_total',
    help: 'Admin API requests answered, by route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [deps.registry],
  });

  const announce = (change: Omit<KeysChanged, 'at'>) => announceKeysChanged(deps.nc, change, logger);
  const audit = (res: Response, action: string, target: Record<string, string>) =>
    logger.info({ adminKeyId: (res.locals.principal as Principal).keyId, action, ...target }, 'admin change');
  const checkTier = (tier: string | null | undefined) => {
    if (typeof tier === 'string' && !Object.hasOwn(deps.tiers, tier)) {
      const known = Object.keys(deps.tiers);
      throw new InvalidRequestError(
        `Invalid 'tier': '${tier}' is not a tier of the quota config (${known.length ? known.map((t) => `'${t}'`).join(', ') : 'it defines none'}).`,
        'tier',
      );
    }
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((req, res, next) => {
    res.on('finish', () => {
      requests.inc({ method: req.method, route: req.route?.path ?? 'unmatched', status: String(res.statusCode) });
    });
    next();
  });

  app.use(securityHeaders());
  app.use(async (req: Request, res: Response, next: NextFunction) => {
    res.locals.principal = await deps.authenticate(req);
    next();
  });
  app.use(express.json({ limit: '64kb' }));

  app.get('/admin/v1/keys', async (req, res) => {
    const { tenantId, ...page } = ListKeysQuery.parse(req.query);
    const { items, hasMore } = await store.listKeys(page, tenantId);
    const now = Date.now();
    res.json(listView(items.map((k) => keyView(k, now)), hasMore));
  });

  app.post('/admin/v1/keys', async (req, res) => {
    const body = CreateKeyBody.parse(req.body ?? {});
    const now = Date.now();
    requireFuture(body.expiresAt, now);
    const secret = newSecret();
    const key: KeyRecord = { ...body, keyId: newKeyId(), keyPrefix: keyPrefix(secret), createdAt: now };
    await store.createKey(key, hashKey(secret));
    audit(res, 'create-key', { keyId: key.keyId, tenantId: key.tenantId });
    res.status(201).json({ ...keyView(key, now), secret });
  });

  app.get('/admin/v1/keys/:keyId', async (req, res) => {
    res.json(keyView(await store.getKey(req.params.keyId), Date.now()));
  });

  app.patch('/admin/v1/keys/:keyId', async (req, res) => {
    const body = UpdateKeyBody.parse(req.body ?? {});
    const now = Date.now();
    requireFuture(body.expiresAt, now);
    const current = await store.getKey(req.params.keyId);
    const owned = CONFIG_OWNED.filter((field) => body[field] !== undefined);
    if (current.seedHash !== undefined && owned.length > 0) {
      throw new InvalidRequestError(
        `The key '${current.keyId}' comes from the config file, which owns its ${owned.join(' and ')}: change ${owned.length > 1 ? 'them' : 'it'} there.`,
        owned[0],
      );
    }
    const key = await store.updateKey(current.keyId, changeOf(body, now));
    await announce({ reason: 'updated', keyIds: [key.keyId], keyHashes: await store.secretHashes(key.keyId), tenantId: key.tenantId });
    audit(res, 'update-key', { keyId: key.keyId, tenantId: key.tenantId });
    res.json(keyView(key, now));
  });

  app.post('/admin/v1/keys/:keyId/revoke', async (req, res) => {
    const now = Date.now();
    const { key, keyHashes } = await store.revokeKey(req.params.keyId, now);
    await announce({ reason: 'revoked', keyIds: [key.keyId], keyHashes, tenantId: key.tenantId });
    audit(res, 'revoke-key', { keyId: key.keyId, tenantId: key.tenantId });
    res.json(keyView(key, now));
  });

  app.post('/admin/v1/keys/:keyId/rotate', async (req, res) => {
    const { gracePeriodS } = RotateKeyBody.parse(req.body ?? {});
    const now = Date.now();
    const graceEnd = now + gracePeriodS * 1000;
    const secret = newSecret();
    const { key, previousHashes } = await store.rotateKey(req.params.keyId, { keyHash: hashKey(secret), keyPrefix: keyPrefix(secret) }, now, graceEnd);
    await announce({ reason: 'rotated', keyIds: [key.keyId], keyHashes: previousHashes, tenantId: key.tenantId });
    audit(res, 'rotate-key', { keyId: key.keyId, tenantId: key.tenantId });
    res.json({ ...keyView(key, now), secret, previousSecretValidUntil: gracePeriodS > 0 ? new Date(graceEnd).toISOString() : null });
  });

  app.get('/admin/v1/tenants', async (req, res) => {
    const { items, hasMore } = await store.listTenants(ListQuery.parse(req.query));
    res.json(listView(items.map(tenantView), hasMore));
  });

  app.post('/admin/v1/tenants', async (req, res) => {
    const body = CreateTenantBody.parse(req.body ?? {});
    checkTier(body.tier);
    const tenant = await store.createTenant({ ...body, name: body.name ?? body.tenantId, createdAt: Date.now() });
    audit(res, 'create-tenant', { tenantId: tenant.tenantId });
    res.status(201).json(tenantView(tenant));
  });

  app.get('/admin/v1/tenants/:tenantId', async (req, res) => {
    res.json(tenantView(await store.getTenant(req.params.tenantId)));
  });

  app.patch('/admin/v1/tenants/:tenantId', async (req, res) => {
    const body = UpdateTenantBody.parse(req.body ?? {});
    checkTier(body.tier);
    const tenant = await store.updateTenant(req.params.tenantId, changeOf(body, Date.now()));
    await announce({ reason: 'tenant-updated', keyIds: [], keyHashes: [], tenantId: tenant.tenantId });
    audit(res, 'update-tenant', { tenantId: tenant.tenantId });
    res.json(tenantView(tenant));
  });

  app.get('/admin/v1/tenants/:tenantId/keys', async (req, res) => {
    const tenant = await store.getTenant(req.params.tenantId);
    const { items, hasMore } = await store.listKeys(ListQuery.parse(req.query), tenant.tenantId);
    const now = Date.now();
    res.json(listView(items.map((k) => keyView(k, now)), hasMore));
  });

  app.get('/admin/v1/tiers', (_req, res) => {
    const data = Object.entries(deps.tiers).map(([id, preset]) => ({ object: 'gateway.tier' as const, id, ...preset }));
    res.json(listView(data, false));
  });

  app.use((req: Request) => {
    throw new NotFoundError(req.method, req.path);
  });
  app.use(edgeErrorHandler(logger));
  return app;
}
