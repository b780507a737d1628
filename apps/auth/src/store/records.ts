import { z } from 'zod';
import { InternalError, Limits, Role, type Principal, type Tenant } from '@aigw/contracts';

const millis = z.coerce.number().int();
const json = <S extends z.ZodType>(schema: S) =>
  z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
  }).pipe(schema);

/** A key as auth stores it. Times are numbers of milliseconds since the Unix epoch. */
export const KeyRecord = z.object({
  keyId: z.string().min(1),
  tenantId: z.string().min(1),
  role: Role,
  /** Display form of the current secret. */
  keyPrefix: z.string(),
  name: z.string().optional(),
  createdAt: millis,
  updatedAt: millis.optional(),
  lastUsedAt: millis.optional(),
  revokedAt: millis.optional(),
  rotatedAt: millis.optional(),
  expiresAt: millis.optional(),
  allowedModels: json(z.array(z.string())).optional(),
  ipAllowlist: json(z.array(z.string())).optional(),
  labels: json(z.record(z.string(), z.string())).optional(),
  limits: json(Limits).default({}),
  /** Hash of the config secret a seed key was last stored from; only seed keys have one. */
  seedHash: z.string().optional(),
});
export type KeyRecord = z.output<typeof KeyRecord>;

/** A tenant as auth stores it. */
export const TenantRecord = z.object({
  tenantId: z.string().min(1),
  name: z.string(),
  tier: z.string().optional(),
  limits: json(Limits).default({}),
  ipAllowlist: json(z.array(z.string())).optional(),
  createdAt: millis,
  updatedAt: millis.optional(),
});
export type TenantRecord = z.output<typeof TenantRecord>;

/** A record's fields as a Redis hash stores them: numbers in decimal, lists and objects as JSON, absent fields left out. */
export function toFields(record: Record<string, unknown>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(record)) {
    if (value === undefined || value === null) continue;
    fields[name] = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value);
  }
  return fields;
}

/** Reads a record back from its Redis hash; `undefined` for an empty hash (HGETALL of a missing key). */
function fromFields<S extends z.ZodType>(schema: S, what: string, fields: Record<string, string>): z.output<S> | undefined {
  if (Object.keys(fields).length === 0) return undefined;
  const parsed = schema.safeParse(fields);
  if (!parsed.success) throw new InternalError(`The stored ${what} is malformed.`, { cause: parsed.error });
  return parsed.data;
}

export const keyFromFields = (fields: Record<string, string>) => fromFields(KeyRecord, `key '${fields.keyId ?? 'unknown'}'`, fields);
export const tenantFromFields = (fields: Record<string, string>) => fromFields(TenantRecord, `tenant '${fields.tenantId ?? 'unknown'}'`, fields);

/** Turns the flat `[field, value, ...]` array a Lua script returns for HGETALL into an object. */
export function pairsToFields(pairs: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) fields[pairs[i]!] = pairs[i + 1]!;
  return fields;
}

/**
 * The principal a secret stands for: the key's own settings plus its tenant's tier, limits and
 * addresses. A rotated-out secret expires at the end of its grace period, whatever the key's own expiry.
 */
export function principalOf(key: KeyRecord, tenant: TenantRecord | undefined, secretNotAfter?: number): Principal {
  const expiries = [key.expiresAt, secretNotAfter].filter((t): t is number => t !== undefined);
  return {
    keyId: key.keyId,
    tenantId: key.tenantId,
    role: key.role,
    keyPrefix: key.keyPrefix,
    tier: tenant?.tier,
    limits: key.limits,
    tenantLimits: tenant?.limits ?? {},
    allowedModels: key.allowedModels,
    expiresAt: expiries.length ? Math.min(...expiries) : undefined,
    ipAllowlist: key.ipAllowlist,
    tenantIpAllowlist: tenant?.ipAllowlist,
    labels: key.labels,
  };
}

/** The tenant as the GetTenant contract carries it. */
export function tenantOf(record: TenantRecord): Tenant {
  return { tenantId: record.tenantId, name: record.name, tier: record.tier, limits: record.limits, ipAllowlist: record.ipAllowlist };
}
