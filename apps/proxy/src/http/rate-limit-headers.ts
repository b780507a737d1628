import type { ServerResponse } from 'node:http';
import type { LimitState } from '@aigw/contracts';

/**
 * A duration the way OpenAI's `x-ratelimit-reset-*` headers write it (Go's `time.Duration` format):
 * `120ms`, `1s`, `1.5s`, `6m0s`, `1h2m3s`.
 */
export function formatResetDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = `${(total % 60_000) / 1000}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}

/**
 * OpenAI's rate-limit headers, on admitted and refused answers alike: requests always, tokens when a
 * tokens-per-minute limit applies to the request.
 */
export function setRateLimitHeaders(res: ServerResponse, requests: LimitState, tokens?: LimitState): void {
  res.setHeader('x-ratelimit-limit-requests', String(requests.limit));
  res.setHeader('x-ratelimit-remaining-requests', String(requests.remaining));
  res.setHeader('x-ratelimit-reset-requests', formatResetDuration(requests.resetMs));
  if (!tokens) return;
  res.setHeader('x-ratelimit-limit-tokens', String(tokens.limit));
  res.setHeader('x-ratelimit-remaining-tokens', String(tokens.remaining));
  res.setHeader('x-ratelimit-reset-tokens', formatResetDuration(tokens.resetMs));
}
