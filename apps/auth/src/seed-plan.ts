import type { GatewayConfig } from '@aigw/config';
import { hashKey, keyPrefix, type Limits, type Role } from '@aigw/contracts';

type ConfigKey = GatewayConfig['keys'][number];

/** One configured key as it is stored: under the hash of its secret, never the secret itself. */
export interface SeedKey {
  keyId: string;
  /** SHA-256 of the secret, lowercase hex. */
  keyHash: string;
  tenantId: string;
  role: Role;
  /** Display form of the secret. */
  keyPrefix: string;
  limits: Limits;
}

export interface SeedPlan {
  keys: SeedKey[];
  /** Keys left out because the variable named by their `secretEnv` is unset or empty. */
  skipped: { keyId: string; secretEnv: string }[];
}

/** Turns the configured keys into the keys to store, reading each secret from `secrets` by its variable name. */
export function planSeed(keys: readonly ConfigKey[], secrets: Readonly<Record<string, string | undefined>>): SeedPlan {
  const plan: SeedPlan = { keys: [], skipped: [] };
  for (const key of keys) {
    const secret = secrets[key.secretEnv];
    if (!secret) {
      plan.skipped.push({ keyId: key.id, secretEnv: key.secretEnv });
      continue;
    }
    plan.keys.push({
      keyId: key.id,
      keyHash: hashKey(secret),
      tenantId: key.tenant,
      role: key.role,
      keyPrefix: keyPrefix(secret),
      limits: key.rpm === undefined ? {} : { rpm: key.rpm },
    });
  }
  return plan;
}
