import type { Limits } from '@aigw/contracts';
import type { QuotaConfig } from './sections/quota';

/** The limits of one request, per scope of counters. An unset dimension is not limited in that scope. */
export interface EffectiveLimits {
  /** Counted per key: the key's own, else its tenant's, else its tier's, else `quota.defaults`. */
  key: Limits;
  /** Counted per tenant, all its keys together: the tenant's own, else its tier's. */
  tenant: Limits;
  /** Counted per key and model alias: `quota.tiers.<tier>.models.<alias>`, else `quota.models.<alias>`. */
  model: Limits;
}

/** Who asks and for what, as the principal from auth and the request tell it. */
export interface LimitsSubject {
  /** The tenant's tier; one the config does not define counts as none. */
  tier?: string;
  /** Limits set on the tenant. */
  tenantLimits?: Limits;
  /** Limits set on the key. */
  keyLimits?: Limits;
  /** The model alias asked for. */
  model: string;
}

const DIMENSIONS = ['rpm', 'rpd', 'tpm', 'maxConcurrent', 'dailyBudgetMicros', 'monthlyBudgetMicros'] as const satisfies readonly (keyof Limits)[];

/** Field by field, the first scope that sets a dimension wins. */
function firstSet(...scopes: (Limits | undefined)[]): Limits {
  const out: Limits = {};
  for (const dim of DIMENSIONS) {
    for (const scope of scopes) {
      const value = scope?.[dim];
      if (value !== undefined) {
        out[dim] = value;
        break;
      }
    }
  }
  return out;
}

/**
 * Resolves the limits a request is held to, per scope. Pure: quota decides with it and metering reports
 * budgets with it, so both read the same numbers from the same config.
 */
export function effectiveLimits(quota: QuotaConfig, subject: LimitsSubject): EffectiveLimits {
  const tier = subject.tier === undefined ? undefined : quota.tiers[subject.tier];
  const { models: tierModels, ...tierLimits } = tier ?? { models: {} };
  return {
    key: firstSet(subject.keyLimits, subject.tenantLimits, tierLimits, quota.defaults),
    tenant: firstSet(subject.tenantLimits, tierLimits),
    model: firstSet(tierModels[subject.model], quota.models[subject.model]),
  };
}

/** Whether any dimension is set. */
export function hasLimits(limits: Limits): boolean {
  return DIMENSIONS.some((dim) => limits[dim] !== undefined);
}
