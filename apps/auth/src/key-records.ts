import type { GatewayConfig } from '@aigw/config';
import { hashKey, InternalError, keyPrefix, Principal } from '@aigw/contracts';

/** Redis key of a key's principal hash: `aigw:key:<sha256 of the secret>`. */
export const KEY_HASH_PREFIX = 'aigw:key:';
/** Redis key naming the hash a key id is stored under, so that a new secret can revoke the old one. */
export const KEY_ID_PREFIX = 'aigw:keyid:';

type SeedKey = GatewayConfig['keys'][number];

/** One configured key as it is stored: under the hash of its secret, never the secret itself. */
export interface KeyRecord {
  keyId: string;
  /** SHA-256 of the secret, lowercase hex. */
  keyHash: string;
  /** The principal as the fields of its Redis hash. */
  fields: Record<string, string>;
}

export interface SeedPlan {
  records: KeyRecord[];
  /** Keys left out because the variable named by their `secretEnv` is unset or empty. */
  skipped: { keyId: string; secretEnv: string }[];
}

/** Turns the configured keys into the records to store, reading each secret from `secrets` by its variable name. */
export function planSeed(keys: readonly SeedKey[], secrets: Readonly<Record<string, string | undefined>>): SeedPlan {
  const plan: SeedPlan = { records: [], skipped: [] };
  for (const key of keys) {
    const secret = secrets[key.secretEnv];
    if (!secret) {
      plan.skipped.push({ keyId: key.id, secretEnv: key.secretEnv });
      continue;
    }
    const fields: Record<string, string> = {
      keyId: key.id,
      tenantId: key.tenant,
      role: key.role,
      keyPrefix: keyPrefix(secret),
    };
    if (key.rpm !== undefined) fields.rpm = String(key.rpm);
    plan.records.push({ keyId: key.id, keyHash: hashKey(secret), fields });
  }
  return plan;
}

/** Reads a principal back from its Redis hash; `undefined` when there is none (HGETALL of a missing key is empty). */
export function principalFromFields(fields: Record<string, string>): Principal | undefined {
  if (Object.keys(fields).length === 0) return undefined;
  const parsed = Principal.safeParse({
    keyId: fields.keyId,
    tenantId: fields.tenantId,
    role: fields.role,
    keyPrefix: fields.keyPrefix,
    limits: fields.rpm === undefined ? {} : { rpm: Number(fields.rpm) },
  });
  if (!parsed.success) {
    throw new InternalError(`The key record of '${fields.keyId ?? 'unknown'}' is malformed.`, { cause: parsed.error });
  }
  return parsed.data;
}
