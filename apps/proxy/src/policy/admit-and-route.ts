import type { ServerResponse } from 'node:http';
import type { Context } from '@opentelemetry/api';
import type { BusClient } from '@aigw/bus';
import { Admit, InvalidRequestError, RateLimitError, Route, type Principal, type RouteFeatures, type RouteResponse } from '@aigw/contracts';
import { setRateLimitHeaders } from '../http/rate-limit-headers';
import type { RequestLease } from '../quota/lease-keeper';
import type { Reservation } from '../quota/reservation';

/**
 * Asks quota and router at the same time. Rate-limit headers go on the response whenever quota answered;
 * an unknown model wins over a refusal (the more useful answer), then a silent service, then the refusal.
 * Both requests are part of the trace `traceContext` names.
 */
export async function admitAndRoute(
  bus: BusClient,
  res: ServerResponse,
  request: { requestId: string; principal: Principal; model: string; features?: RouteFeatures; reservation?: Reservation; lease?: RequestLease },
  traceContext: Context,
): Promise<RouteResponse> {
  const { requestId, principal, model, features } = request;
  const { tier, limits, tenantLimits } = principal;
  const [admit, route] = await Promise.allSettled([
    bus.request(Admit, { requestId, keyId: principal.keyId, tenantId: principal.tenantId, model, tier, limits, tenantLimits, ...request.reservation }, { context: traceContext }),
    bus.request(Route, { model, requestId, ...(features ? { features } : {}) }, { context: traceContext }),
  ]);
  if (admit.status === 'fulfilled') {
    setRateLimitHeaders(res, admit.value.requests, admit.value.tokens);
    if (admit.value.admitted) request.lease?.admitted(admit.value.leaseTtlMs);
  }
  if (admit.status === 'rejected') request.lease?.abandon();
  if (route.status === 'rejected') throw route.reason;
  if (admit.status === 'rejected') throw admit.reason;
  const decision = admit.value;
  if (!decision.admitted && decision.tooLarge) {
    throw new InvalidRequestError(decision.reason ?? 'The request asks for more than its whole limit allows.', 'max_tokens');
  }
  if (!decision.admitted) {
    throw new RateLimitError(
      decision.reason ?? `Rate limit reached: ${decision.requests.limit} requests per minute.`,
      decision.retryAfterS ?? Math.ceil(decision.requests.resetMs / 1000),
      decision.limit,
    );
  }
  return route.value;
}
