import { ServiceUnavailableError, type AdmitRequest, type AdmitResponse, type LimitState } from '@aigw/contracts';
import { effectiveLimits, hasLimits, type QuotaConfig } from '@aigw/config';
import type { Logger } from '@aigw/telemetry';
import { toAdmitResponse } from './admit-reply';
import { dimensionsOf, type FailurePolicy } from './failure-policy';
import type { DecisionResult, QuotaMetrics } from './quota-metrics';
import { keyScope, modelScope, tenantScope, type QuotaStore, type Scope } from './redis/quota-store';
import type { CostModel } from './spend/cost-model';

export interface AdmissionDeps {
  store: QuotaStore;
  quota: QuotaConfig;
  costs: CostModel;
  /** The price table's currency, for budget refusals. */
  currency: string;
  failure: FailurePolicy;
  metrics: QuotaMetrics;
  logger: Logger;
}

/** A window nothing was counted in: what an unchecked admission reports. */
const untouched = (limit: number): LimitState => ({ limit, remaining: limit, resetMs: 0 });

/**
 * Decides one `quota.v1.admit`: resolves the request's limits per scope (key, tenant, and key × model when
 * the alias has limits), reserves its tokens (prompt + max_tokens, or the configured default) and its
 * worst-case cost, and asks Redis in one script call.
 */
export function createAdmission(deps: AdmissionDeps): (req: AdmitRequest) => Promise<AdmitResponse> {
  const { store, quota, costs, failure, metrics, logger } = deps;
  const unknownTiers = new Set<string>();

  return async (req) => {
    if (req.tier !== undefined && !quota.tiers[req.tier] && !unknownTiers.has(req.tier)) {
      unknownTiers.add(req.tier);
      logger.warn({ tier: req.tier, tenantId: req.tenantId }, 'tier not in quota.tiers: its tenants get the default limits');
    }
    const limits = effectiveLimits(quota, { tier: req.tier, tenantLimits: req.tenantLimits, keyLimits: req.limits, model: req.model });
    const scopes: Scope[] = [
      { prefix: keyScope(req.keyId), limits: limits.key },
      { prefix: tenantScope(req.tenantId), limits: limits.tenant },
    ];
    const scopeNames = [`key ${req.keyId}`, `tenant ${req.tenantId}`];
    if (hasLimits(limits.model)) {
      scopes.push({ prefix: modelScope(req.keyId, req.model), limits: limits.model });
      scopeNames.push(`key ${req.keyId} for model ${req.model}`);
    }
    const promptTokens = req.promptTokens ?? 0;
    const completionTokens = (req.maxTokens ?? quota.defaultMaxTokens) * (req.choices ?? 1);
    const keyRpm = limits.key.rpm ?? quota.defaults.rpm;

    const stopTimer = metrics.decisionSeconds.startTimer();
    let result: DecisionResult = 'error';
    try {
      const decision = await store.admit({
        requestId: req.requestId,
        tokens: promptTokens + completionTokens,
        costMicros: costs.worstCase(req.model, promptTokens, completionTokens, new Date()),
        leaseTtlMs: quota.leaseTtlMs,
        unleasedReservationMs: quota.maxRequestMs,
        scopes,
      });
      const reply = toAdmitResponse(decision, decision.requests ?? untouched(keyRpm), {
        scopeNames,
        currency: deps.currency,
        leaseTtlMs: quota.leaseTtlMs,
      });
      result = reply.admitted ? 'admitted' : 'refused';
      if (reply.limit) metrics.refusals.inc({ limit: reply.limit });
      return reply;
    } catch (err) {
      if (!(err instanceof ServiceUnavailableError)) throw err;
      // A script that timed out may still run when Redis wakes: it was written to the socket. A release
      // written after it on the same connection runs after it, and refunds what it reserved; if it never
      // runs, the release finds nothing. Either way no reservation outlives a decision that failed.
      store.release(req.requestId, false, quota.reconcileGraceMs).catch(() => undefined);
      if (!failure.admitsUnchecked(dimensionsOf(scopes.map((s) => s.limits)), err)) throw err;
      result = 'unchecked';
      const tpm = limits.key.tpm;
      return { admitted: true, requests: untouched(keyRpm), ...(tpm === undefined ? {} : { tokens: untouched(tpm) }) };
    } finally {
      stopTimer({ result });
      metrics.decisions.inc({ result });
    }
  };
}
