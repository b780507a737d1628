import { z } from 'zod';
import { Limits } from '@aigw/contracts';
import { id } from './common';

/** A set of limits as the config file writes it: the `Limits` contract, with unknown fields rejected. */
const ConfigLimits = z.strictObject(Limits.shape);

/** Per-model limits, keyed by the model alias clients ask for (`models:`). */
const ModelLimits = z.record(z.string().min(1), ConfigLimits);

/** What quota does with a dimension while Redis cannot be reached. */
export const FailureMode = z.enum([
  /** Admit unchecked, count `quota_fail_open_total`, log once per interval. */
  'open',
  /** Refuse with 503 `service_unavailable`. */
  'closed',
]);
export type FailureMode = z.infer<typeof FailureMode>;

/** The dimensions a failure policy is set for. */
export const QuotaDimension = z.enum(['requests', 'tokens', 'concurrency', 'budget']);
export type QuotaDimension = z.infer<typeof QuotaDimension>;

/**
 * Default failure policy. Rate limits fail open, as Envoy's rate limit filter does by default: they guard
 * upstream capacity, which upstreams also guard themselves, and a Redis outage should not take the
 * gateway down. Budgets fail closed: spend that goes unchecked is money that cannot be taken back.
 */
export const DEFAULT_FAILURE_POLICY: Readonly<Record<QuotaDimension, FailureMode>> = {
  requests: 'open',
  tokens: 'open',
  concurrency: 'open',
  budget: 'closed',
};

/**
 * `quota:` the limits quota enforces and how.
 *
 * A request is checked against up to three scopes, each with its own counters:
 * - key: its own limits, else its tenant's, else its tier's, else `defaults`;
 * - tenant (all its keys together): its own limits, else its tier's;
 * - key × model alias: `tiers.<tier>.models.<alias>`, else `models.<alias>`.
 * `effectiveLimits()` resolves them; an unset dimension is not limited in that scope.
 */
export const QuotaSection = z
  .strictObject({
    /** Limits of every key whose key, tenant and tier set none; `rpm` is always set (600 unless written). */
    defaults: ConfigLimits.extend({ rpm: z.number().int().positive().default(600) }).default({ rpm: 600 }),
    /** Presets a tenant's tier names (`free`, `pro`, ...), each limits plus per-model limits. */
    tiers: z.record(id, ConfigLimits.extend({ models: ModelLimits.default({}) })).default({}),
    /** Limits per key and model alias, for every tier that sets none of its own for that alias. */
    models: ModelLimits.default({}),
    /** Completion tokens reserved for a request that sets no `max_tokens` / `max_completion_tokens`. */
    defaultMaxTokens: z.number().int().positive().default(4096),
    /**
     * How long the lease of a request limited in concurrency lives without renewal, number of milliseconds.
     * The proxy renews it every third of this while the request runs; a proxy that dies frees its
     * concurrency slots (and its reservations are refunded) after this long.
     */
    leaseTtlMs: z.number().int().min(1000).default(30_000),
    /**
     * Longest a request without a concurrency lease is expected to run, number of milliseconds: its
     * reservation is refunded if no usage event settled it by then (its proxy died, the event was lost).
     * Such requests need no renewals, so they cost the proxy no lease traffic.
     */
    maxRequestMs: z.number().int().min(1000).default(600_000),
    /**
     * How long after its end a request's reservation waits for its usage event, number of milliseconds;
     * a reservation never reconciled by then (its proxy died, the event was lost) is refunded.
     */
    reconcileGraceMs: z.number().int().min(1000).default(120_000),
    /** Per dimension, what to do while Redis cannot be reached (see `DEFAULT_FAILURE_POLICY`). */
    failurePolicy: z
      .strictObject({
        requests: FailureMode.default(DEFAULT_FAILURE_POLICY.requests),
        tokens: FailureMode.default(DEFAULT_FAILURE_POLICY.tokens),
        concurrency: FailureMode.default(DEFAULT_FAILURE_POLICY.concurrency),
        budget: FailureMode.default(DEFAULT_FAILURE_POLICY.budget),
      })
      .default(DEFAULT_FAILURE_POLICY),
  })
  .default({
    defaults: { rpm: 600 },
    tiers: {},
    models: {},
    defaultMaxTokens: 4096,
    leaseTtlMs: 30_000,
    maxRequestMs: 600_000,
    reconcileGraceMs: 120_000,
    failurePolicy: DEFAULT_FAILURE_POLICY,
  });
export type QuotaConfig = z.output<typeof QuotaSection>;

/** Adds an issue for every per-model limit naming an alias that `models:` does not define. */
export function checkQuotaModels(
  cfg: { quota: QuotaConfig; models: Record<string, unknown> },
  ctx: z.RefinementCtx,
): void {
  const check = (limits: Record<string, unknown>, path: (string | number)[]) => {
    for (const alias of Object.keys(limits)) {
      if (!cfg.models[alias]) ctx.addIssue({ code: 'custom', path: [...path, alias], message: `unknown model alias '${alias}'` });
    }
  };
  check(cfg.quota.models, ['quota', 'models']);
  for (const [tier, preset] of Object.entries(cfg.quota.tiers)) check(preset.models, ['quota', 'tiers', tier, 'models']);
}
