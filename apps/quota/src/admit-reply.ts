import type { AdmitResponse } from '@aigw/contracts';
import type { RpmWindowState } from './rpm-window';

/**
 * Whole seconds a refused client should wait: rounded up so that a retry at that time finds room, and at
 * least 1 because `retry-after: 0` invites an immediate retry that would be refused again.
 */
export function retryAfterSeconds(resetMs: number): number {
  return Math.max(1, Math.ceil(resetMs / 1000));
}

/** The refusal as a person reads it; names the key id (never the secret) and the numbers behind it. */
export function rpmRefusalReason(keyId: string, limit: number, used: number, retryAfterS: number): string {
  return (
    `Rate limit reached for requests per minute on key ${keyId}: limit ${limit}, used ${used}. ` +
    `Try again in ${retryAfterS}s.`
  );
}

/** Turns the window after a decision into the reply: OpenAI-style limit state, plus when and why if refused. */
export function toAdmitResponse(keyId: string, limit: number, windowMs: number, state: RpmWindowState): AdmitResponse {
  const requests = {
    limit,
    remaining: Math.max(0, limit - state.count),
    resetMs: Math.max(0, state.pivotMs + windowMs - state.nowMs),
  };
  if (state.admitted) return { admitted: true, requests };
  const retryAfterS = retryAfterSeconds(requests.resetMs);
  return { admitted: false, requests, retryAfterS, reason: rpmRefusalReason(keyId, limit, state.count, retryAfterS) };
}
