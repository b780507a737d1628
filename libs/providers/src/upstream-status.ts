/** Statuses the gateway passes on as they are, with the meaning the client's SDK gives them. */
const KEPT = new Set([400, 401, 403, 404, 408, 413, 422, 429, 500, 502, 503, 504]);

/**
 * The status a client gets for an upstream's error answer. Providers' own codes are folded into the
 * common ones: Anthropic's 529 (overloaded) is a 503, a 402 (the gateway's upstream account is out of
 * credit) is not the client's fault either, and any other 4xx / 5xx becomes 400 / 502.
 * https://docs.anthropic.com/en/api/errors#http-errors
 */
export function clientStatus(upstreamStatus: number): number {
  if (KEPT.has(upstreamStatus)) return upstreamStatus;
  if (upstreamStatus === 529 || upstreamStatus === 402) return 503;
  return upstreamStatus >= 500 ? 502 : 400;
}
