import { SpanKind, tracerFor, withSpan } from '@aigw/telemetry';
import type { Authenticate } from '@aigw/auth-client';

const tracer = tracerFor('proxy');

/**
 * Authentication as a span of its own: a cached key shows as a short span with no bus request under it,
 * a lookup as one with auth's `auth.v1.verify-key` spans beneath.
 */
export function tracedAuthentication(authenticate: Authenticate): Authenticate {
  return (req) =>
    withSpan(tracer, 'auth', { kind: SpanKind.INTERNAL }, async (span) => {
      const principal = await authenticate(req);
      if (span.isRecording()) span.setAttributes({ 'aigw.tenant.id': principal.tenantId, 'aigw.key.id': principal.keyId });
      return principal;
    });
}
