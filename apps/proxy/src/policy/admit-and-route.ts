import type { ServerResponse } from 'node:http';
import type { BusClient } from '@aigw/bus';
import { Admit, RateLimitError, Route, type Principal, type RouteResponse } from '@aigw/contracts';
import { setRateLimitHeaders } from '../http/rate-limit-headers';

/**
 * Asks quota and router at the same time. Rate-limit headers go on the response whenever quota answered;
 * an unknown model wins over a refusal (the more useful answer), then a silent service, then the refusal.
 */
export async function admitAndRoute(
  bus: BusClient,
  res: ServerResponse,
  request: { requestId: string; principal: Principal; model: string },
): Promise<RouteResponse> {
  const { requestId, principal, model } = request;
  const [admit, route] = await Promise.allSettled([
    bus.request(Admit, { requestId, keyId: principal.keyId, tenantId: principal.tenantId, model, limits: principal.limits }),
    bus.request(Route, { model }),
  ]);
  if (admit.status === 'fulfilled') setRateLimitHeaders(res, admit.value.requests);
  if (route.status === 'rejected') throw route.reason;
  if (admit.status === 'rejected') throw admit.reason;
  const decision = admit.value;
  if (!decision.admitted) {
    throw new RateLimitError(
      decision.reason ?? `Rate limit reached: ${decision.requests.limit} requests per minute.`,
      decision.retryAfterS ?? Math.ceil(decision.requests.resetMs / 1000),
    );
  }
  return route.value;
}
