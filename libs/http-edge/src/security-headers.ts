import type { ServerResponse } from 'node:http';

/**
 * Headers on every API answer: no content sniffing, no framing, no active content, no caching by browsers
 * or proxies in between (answers carry usage, keys' names and rate-limit state). A stream that needs other
 * caching rules sets them over these.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
});

const headerMap = new Map(Object.entries(SECURITY_HEADERS));

/** Sets `SECURITY_HEADERS` on a response before anything is written. */
export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeaders(headerMap);
}

/** The same as express middleware. */
export function securityHeaders() {
  return (_req: unknown, res: ServerResponse, next: () => void): void => {
    res.setHeaders(headerMap);
    next();
  };
}
