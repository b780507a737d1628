import { GetTenant, type Limits, type Principal, type Tenant } from '@aigw/contracts';
import type { BusClient } from '@aigw/bus';
import { effectiveLimits, type QuotaConfig } from '@aigw/config';
import type { Logger } from '@aigw/telemetry';

/** A scope's money limits in micro-units; an unset one is not limited. */
export type Budgets = Pick<Limits, 'dailyBudgetMicros' | 'monthlyBudgetMicros'>;

/** Budgets, or why they are not known. */
export type BudgetAnswer = { resolved: true; budgets: Budgets } | { resolved: false };

/** Tenants remembered at once; bounds memory however many tenants an admin lists. */
const MAX_CACHED_TENANTS = 10_000;

const pick = (l: Limits): Budgets => ({ dailyBudgetMicros: l.dailyBudgetMicros, monthlyBudgetMicros: l.monthlyBudgetMicros });

/**
 * Resolves budgets the way quota enforces them (`effectiveLimits` over the same quota config): a tenant's
 * own limits, else its tier's; a key's own, else its tenant's, else its tier's, else the quota defaults.
 * Tenants come from auth (`auth.v1.get-tenant`) and are remembered for `ttlMs`; when auth cannot tell, the
 * answer says so instead of inventing a budget.
 */
export class BudgetResolver {
  readonly #bus: BusClient;
  readonly #quota: QuotaConfig;
  readonly #ttlMs: number;
  readonly #logger: Logger;
  readonly #tenants = new Map<string, { expiresAt: number; tenant: Promise<Tenant> }>();

  constructor(deps: { bus: BusClient; quota: QuotaConfig; ttlMs: number; logger: Logger }) {
    this.#bus = deps.bus;
    this.#quota = deps.quota;
    this.#ttlMs = deps.ttlMs;
    this.#logger = deps.logger;
  }

  async forTenant(tenantId: string): Promise<BudgetAnswer> {
    try {
      const tenant = await this.#tenant(tenantId);
      return { resolved: true, budgets: pick(effectiveLimits(this.#quota, { tier: tenant.tier, tenantLimits: tenant.limits, model: '' }).tenant) };
    } catch (err) {
      this.#logger.warn({ err, tenant: tenantId }, 'tenant budgets unavailable, spend shown without them');
      return { resolved: false };
    }
  }

  /** A key's budgets, from what auth said about it when it was verified: no extra request. */
  forKey(principal: Principal): BudgetAnswer {
    const limits = effectiveLimits(this.#quota, {
      tier: principal.tier,
      tenantLimits: principal.tenantLimits,
      keyLimits: principal.limits,
      model: '',
    });
    return { resolved: true, budgets: pick(limits.key) };
  }

  /** Drops a tenant auth announced as changed, so that its new tier or limits show at once. */
  forget(tenantId: string): void {
    this.#tenants.delete(tenantId);
  }

  clear(): void {
    this.#tenants.clear();
  }

  #tenant(tenantId: string): Promise<Tenant> {
    const now = Date.now();
    const hit = this.#tenants.get(tenantId);
    if (hit && hit.expiresAt > now) return hit.tenant;
    if (this.#tenants.size >= MAX_CACHED_TENANTS) this.#tenants.clear();
    const tenant = this.#bus.request(GetTenant, { tenantId }).then((r) => r.tenant);
    this.#tenants.set(tenantId, { expiresAt: now + this.#ttlMs, tenant });
    tenant.catch(() => {
      if (this.#tenants.get(tenantId)?.tenant === tenant) this.#tenants.delete(tenantId);
    });
    return tenant;
  }
}
