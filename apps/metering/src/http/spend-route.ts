import { Router } from 'express';
import { PermissionDeniedError, type Principal } from '@aigw/contracts';
import { bucketOf, isoSeconds } from '../buckets';
import type { BudgetAnswer, BudgetResolver } from '../budgets';
import type { Counters, SpendCounter } from '../event-counters';
import type { Ledger } from '../ledger';
import { refuseUnknown, single } from './usage-query';
import { money, type Money } from './usage-rows';

/** GetTenant requests in flight at once while an admin lists every tenant. */
const BUDGET_LOOKUPS_IN_FLIGHT = 16;

interface PeriodSpend {
  cost: Money;
  requests: number;
  /** Requests of models with no price: in `requests`, with cost 0. */
  unpriced_requests: number;
  /** The budget of the period; null when none applies or it could not be resolved (see `budgets_resolved`). */
  budget: Money | null;
  /** Budget minus cost; negative when the budget was overrun. Null without a budget. */
  remaining: Money | null;
}

function period(spend: Pick<Counters, SpendCounter>, budget: number | undefined, currency: string): PeriodSpend {
  return {
    cost: money(spend.cost_micros, currency),
    requests: spend.requests,
    unpriced_requests: spend.unpriced_requests,
    budget: budget === undefined ? null : money(budget, currency),
    remaining: budget === undefined ? null : money(budget - spend.cost_micros, currency),
  };
}

/** Runs `fn` over `items` with at most `limit` calls in flight, keeping the order. */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * `GET /v1/spend[?tenant=]`: today's and this month's cost (UTC) against the budgets. `admin`: every
 * tenant with usage this month, or the one asked for; `finance`: its tenant; `client`: its own key,
 * against the key's effective budgets.
 */
export function spendRouter(ledger: Ledger, budgets: BudgetResolver): Router {
  const router = Router();
  router.get('/v1/spend', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    refuseUnknown(query, ['tenant']);
    const asked = single(query, 'tenant');
    const principal = res.locals.principal as Principal;
    if (principal.role !== 'admin' && asked !== undefined && asked !== principal.tenantId) {
      throw new PermissionDeniedError(`A ${principal.role} key can only read the spend of its own tenant.`);
    }
    const now = new Date();
    const [day, month] = [bucketOf(now, 'day'), bucketOf(now, 'month')];
    const currency = ledger.currency;
    const entry = (today: Pick<Counters, SpendCounter>, mtd: Pick<Counters, SpendCounter>, answer: BudgetAnswer) => ({
      budgets_resolved: answer.resolved,
      today: period(today, answer.resolved ? answer.budgets.dailyBudgetMicros : undefined, currency),
      month_to_date: period(mtd, answer.resolved ? answer.budgets.monthlyBudgetMicros : undefined, currency),
    });

    let data: Record<string, unknown>[];
    if (principal.role === 'client') {
      const [today, mtd] = await Promise.all([
        ledger.keySpend('day', day, principal.tenantId, principal.keyId),
        ledger.keySpend('month', month, principal.tenantId, principal.keyId),
      ]);
      data = [{ tenant_id: principal.tenantId, key_id: principal.keyId, ...entry(today, mtd, budgets.forKey(principal)) }];
    } else {
      const tenants =
        principal.role === 'finance' ? [principal.tenantId] : asked !== undefined ? [asked] : await ledger.tenantsOfMonth(month);
      const [today, mtd, answers] = await Promise.all([
        ledger.tenantSpend('day', day, tenants),
        ledger.tenantSpend('month', month, tenants),
        mapLimited(tenants, BUDGET_LOOKUPS_IN_FLIGHT, (t) => budgets.forTenant(t)),
      ]);
      data = tenants.map((tenant, i) => ({ tenant_id: tenant, ...entry(today[i], mtd[i], answers[i]) }));
    }
    res.json({ object: 'list', as_of: isoSeconds(now), day, month, currency, data });
  });
  return router;
}
