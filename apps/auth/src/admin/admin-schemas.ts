import { z } from 'zod';
import { CidrText } from '@aigw/config';
import { Identifier, Limits, PrintableText, Role } from '@aigw/contracts';
import type { KeyRecord, TenantRecord } from '../store/records';

/** Tenant ids follow the config file's id rule, so that config and API name tenants alike. */
const TenantId = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'use letters, digits, ".", "_", ":" or "-", starting with a letter or digit');
const TierId = TenantId;
const Name = PrintableText(200).pipe(z.string().min(1));
const ModelGlobs = z.array(z.string().regex(/^\S{1,200}$/, 'a model alias or glob without spaces').pipe(Identifier)).min(1).max(100);
const Allowlist = z.array(CidrText).min(1).max(100);
const Labels = z
  .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'label names use letters, digits, "_", "." or "-"'), PrintableText(256))
  .refine((labels) => Object.keys(labels).length <= 32, 'at most 32 labels');
const ApiLimits = z.strictObject(Limits.shape);
/** A moment as ISO 8601 with a time zone, e.g. `2030-01-01T00:00:00Z`; read as milliseconds since the epoch. */
const Instant = z.iso.datetime({ offset: true }).transform((text) => Date.parse(text));

export const CreateKeyBody = z.strictObject({
  tenantId: TenantId,
  role: Role.default('client'),
  name: Name.optional(),
  allowedModels: ModelGlobs.optional(),
  expiresAt: Instant.optional(),
  ipAllowlist: Allowlist.optional(),
  labels: Labels.optional(),
  limits: ApiLimits.default({}),
});

/** A field set to `null` is removed (no expiry, every model, any address, no labels). */
export const UpdateKeyBody = z
  .strictObject({
    role: Role.optional(),
    name: Name.nullable().optional(),
    allowedModels: ModelGlobs.nullable().optional(),
    expiresAt: Instant.nullable().optional(),
    ipAllowlist: Allowlist.nullable().optional(),
    labels: Labels.nullable().optional(),
    limits: ApiLimits.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'nothing to change');

export const RotateKeyBody = z.strictObject({
  /** How long the current secret keeps working next to the new one, number of seconds (0: stops at once). */
  gracePeriodS: z.number().int().min(0).max(30 * 24 * 3600).default(24 * 3600),
});

export const CreateTenantBody = z.strictObject({
  tenantId: TenantId,
  name: Name.optional(),
  tier: TierId.optional(),
  limits: ApiLimits.default({}),
  ipAllowlist: Allowlist.optional(),
});

export const UpdateTenantBody = z
  .strictObject({
    name: Name.optional(),
    tier: TierId.nullable().optional(),
    limits: ApiLimits.optional(),
    ipAllowlist: Allowlist.nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'nothing to change');

export const ListQuery = z.strictObject({
  /** Items per page, 1 to 100. */
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** The `lastId` of the previous page. */
  after: z.string().min(1).optional(),
});

export const ListKeysQuery = ListQuery.extend({ tenantId: TenantId.optional() });

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export type KeyStatus = 'active' | 'expired' | 'revoked';

/** A key as the admin API shows it: never its secret, nor the hash of one. */
export function keyView(key: KeyRecord, now: number) {
  const status: KeyStatus = key.revokedAt !== undefined ? 'revoked' : key.expiresAt !== undefined && key.expiresAt <= now ? 'expired' : 'active';
  return {
    object: 'gateway.key' as const,
    id: key.keyId,
    tenantId: key.tenantId,
    role: key.role,
    name: key.name ?? null,
    /** Display form of the current secret. */
    prefix: key.keyPrefix,
    status,
    allowedModels: key.allowedModels ?? null,
    ipAllowlist: key.ipAllowlist ?? null,
    labels: key.labels ?? {},
    limits: key.limits,
    expiresAt: iso(key.expiresAt),
    createdAt: iso(key.createdAt),
    updatedAt: iso(key.updatedAt),
    lastUsedAt: iso(key.lastUsedAt),
    rotatedAt: iso(key.rotatedAt),
    revokedAt: iso(key.revokedAt),
    /** Whether the key comes from the config file, which owns its tenant, role and limits. */
    seeded: key.seedHash !== undefined,
  };
}

export function tenantView(tenant: TenantRecord) {
  return {
    object: 'gateway.tenant' as const,
    id: tenant.tenantId,
    name: tenant.name,
    tier: tenant.tier ?? null,
    limits: tenant.limits,
    ipAllowlist: tenant.ipAllowlist ?? null,
    createdAt: iso(tenant.createdAt),
    updatedAt: iso(tenant.updatedAt),
  };
}

/** A page of a listing, cursor-paged by id as OpenAI's list endpoints are. */
export function listView<T extends { id: string }>(data: T[], hasMore: boolean) {
  return { object: 'list' as const, data, hasMore, lastId: data.at(-1)?.id ?? null };
}
