import type { IncomingHttpHeaders } from 'node:http';
import type { ClientBody, TokenUsage } from '@aigw/providers';
import { activeTraceId } from '@aigw/telemetry';
import { countGatewayUsage, DeliveredCapture } from './gateway-token-count';

/**
 * What metering needs from a request beyond its context: the body sent upstream and the bytes delivered
 * back (to count tokens when the upstream reports none), and its trace id.
 */
export interface MeteredRequest {
  body?: ClientBody;
  /** An upstream answer with a 2xx status started to reach the client: tokens were spent. */
  responded: boolean;
  delivered: DeliveredCapture;
  traceId?: string;
}

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/** The W3C trace id of a request's `traceparent` header, if it has a valid one. */
export function traceIdOf(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.traceparent;
  const id = typeof header === 'string' ? TRACEPARENT.exec(header.trim())?.[1] : undefined;
  return id && !/^0+$/.test(id) ? id : undefined;
}

export function meteredRequest(headers: IncomingHttpHeaders): MeteredRequest {
  // The request's own trace (which honours the client's traceparent) when tracing runs; else the client's.
  return { responded: false, delivered: new DeliveredCapture(), traceId: activeTraceId() ?? traceIdOf(headers) };
}

/**
 * The tokens to bill: the upstream's report when there is one (`source: upstream`); otherwise, when an
 * answer reached the client, the gateway's own count of what was sent and delivered (`source: gateway`);
 * otherwise nothing (`source: none`).
 */
export async function billedUsage(
  reported: TokenUsage | undefined,
  metered: MeteredRequest,
): Promise<{ usage: TokenUsage | undefined; source: 'upstream' | 'gateway' | 'none' }> {
  if (reported) return { usage: reported, source: 'upstream' };
  if (!metered.responded || !metered.body) return { usage: undefined, source: 'none' };
  return { usage: await countGatewayUsage(metered.body, metered.delivered), source: 'gateway' };
}
