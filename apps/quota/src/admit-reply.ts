import type { AdmitResponse, LimitState, RefusedLimit } from '@aigw/contracts';
import { formatMicros } from '@aigw/pricing';
import { Refusal } from './redis/admission-script';
import type { AdmissionRefusal, AdmissionResult } from './redis/quota-store';

/**
 * Whole seconds a refused client should wait: rounded up so that a retry at that time finds room, and at
 * least 1 because `retry-after: 0` invites an immediate retry that would be refused again.
 */
export function retryAfterSeconds(resetMs: number): number {
  return Math.max(1, Math.ceil(resetMs / 1000));
}

/**
 * A wait as a person reads it: `12s`, `4m10s`, `3h12m`, `12d5h`. Rounded up to the unit shown, as a whole:
 * 2 h 59 m 30 s is `3h`, never `2h60m`.
 */
export function formatWait(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${seconds % 60 ? `${seconds % 60}s` : ''}`;
  if (seconds < 48 * 3600) {
    const minutes = Math.ceil(seconds / 60);
    return `${Math.floor(minutes / 60)}h${minutes % 60 ? `${minutes % 60}m` : ''}`;
  }
  const hours = Math.ceil(seconds / 3600);
  return `${Math.floor(hours / 24)}d${hours % 24 ? `${hours % 24}h` : ''}`;
}

/** A refusal no retry can overcome: the request alone asks for more than the whole limit. */
function tooLarge(refusal: AdmissionRefusal): boolean {
  return refusal.asked > refusal.limit && (refusal.kind === Refusal.DailyBudget || refusal.kind === Refusal.MonthlyBudget);
}

const limitOf: Readonly<Record<AdmissionRefusal['kind'], RefusedLimit>> = {
  [Refusal.RequestsPerMinute]: 'requests',
  [Refusal.RequestsPerDay]: 'requests',
  [Refusal.TokensPerMinute]: 'tokens',
  [Refusal.Concurrency]: 'concurrency',
  [Refusal.DailyBudget]: 'budget',
  [Refusal.MonthlyBudget]: 'budget',
};

/**
 * Why a request was refused, naming the limit, the scope (ids, never secrets), the numbers behind it and
 * the wait. `scope` reads like "key key_a", "tenant acme" or "key key_a for model gpt-4o".
 */
export function refusalReason(refusal: AdmissionRefusal, scope: string, retryAfterS: number, currency: string): string {
  const { limit, used, asked } = refusal;
  const wait = `Try again in ${formatWait(retryAfterS)}.`;
  const money = (micros: number) => `${formatMicros(micros)} ${currency}`;
  switch (refusal.kind) {
    case Refusal.RequestsPerMinute:
      return `Rate limit reached for requests per minute on ${scope}: limit ${limit}, used ${used}. ${wait}`;
    case Refusal.RequestsPerDay:
      return `Rate limit reached for requests per day on ${scope}: limit ${limit}, used ${used}. ${wait}`;
    case Refusal.TokensPerMinute:
      if (asked > limit) {
        return (
          `Request too large for tokens per minute on ${scope}: limit ${limit}, requested ${asked} ` +
          `(prompt and max_tokens). Send a shorter prompt or a lower max_tokens.`
        );
      }
      return `Rate limit reached for tokens per minute on ${scope}: limit ${limit}, used ${used}, requested ${asked}. ${wait}`;
    case Refusal.Concurrency:
      return `Too many concurrent requests on ${scope}: limit ${limit}, in flight ${used}. ${wait}`;
    case Refusal.DailyBudget:
    case Refusal.MonthlyBudget: {
      const period = refusal.kind === Refusal.DailyBudget ? 'Daily' : 'Monthly';
      if (tooLarge(refusal)) {
        return (
          `This request may cost up to ${money(asked)}, more than the whole ${period.toLowerCase()} budget of ${money(limit)} on ${scope}: ` +
          `no retry can succeed. Lower max_tokens or send a shorter prompt.`
        );
      }
      return (
        `${period} budget exhausted on ${scope}: budget ${money(limit)}, spent ${money(used)}, ` +
        `this request may cost up to ${money(asked)}. The budget resets in ${formatWait(retryAfterS)}.`
      );
    }
  }
}

export interface ReplyContext {
  /** How each scope of the decision is named in a refusal, by index. */
  scopeNames: readonly string[];
  /** The price table's currency. */
  currency: string;
  leaseTtlMs: number;
}

/** Turns a decision into the reply: OpenAI-style window states, the lease, and when and why if refused. */
export function toAdmitResponse(result: AdmissionResult, requests: LimitState, ctx: ReplyContext): AdmitResponse {
  const windows = { requests, ...(result.tokens ? { tokens: result.tokens } : {}) };
  if (result.admitted) return { admitted: true, ...windows, ...(result.leased ? { leaseTtlMs: ctx.leaseTtlMs } : {}) };
  const { refusal } = result;
  const retryAfterS = retryAfterSeconds(refusal.retryAfterMs);
  const reason = refusalReason(refusal, ctx.scopeNames[refusal.scope], retryAfterS, ctx.currency);
  // Waiting helps nothing when the request alone is over the limit: no retry-after, and the caller is told what to change.
  if (tooLarge(refusal)) return { admitted: false, ...windows, limit: limitOf[refusal.kind], tooLarge: true, reason };
  return { admitted: false, ...windows, limit: limitOf[refusal.kind], retryAfterS, reason };
}
