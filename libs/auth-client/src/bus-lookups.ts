import type { NatsConnection } from '@nats-io/transport-node';
import { subscribeBroadcast, type BusClient } from '@aigw/bus';
import { GetTenant, KeysChangedEvent, RecordAuthFailure, VerifyKey, type KeysChanged } from '@aigw/contracts';
import type { Logger } from '@aigw/telemetry';
import type { CredentialLookups } from './authenticator';

/** The lookups of an edge outside the auth service: auth's endpoints over NATS, in the request's trace. */
export function busLookups(bus: BusClient): CredentialLookups {
  return {
    verifyKey: async (request, traceContext) => (await bus.request(VerifyKey, request, { context: traceContext })).principal,
    getTenant: async (tenantId, traceContext) => (await bus.request(GetTenant, { tenantId }, { context: traceContext })).tenant,
    recordFailure: (clientIp, traceContext) => bus.request(RecordAuthFailure, { clientIp }, { context: traceContext }),
  };
}

/** Anything that caches what auth said and must forget it when auth says it changed. */
export interface KeyChangeFollower {
  invalidate(change: KeysChanged): void;
  clear(): void;
}

/**
 * Follows `auth.v1.keys-changed`: every follower drops what a change makes stale at once, so a revocation
 * reaches every replica within a NATS round trip; after a reconnect, when announcements may have been
 * missed, they drop everything.
 */
export function followKeyChanges(nc: NatsConnection, followers: readonly KeyChangeFollower[], logger: Logger): void {
  subscribeBroadcast(
    nc,
    KeysChangedEvent,
    {
      onEvent: (change) => {
        for (const follower of followers) follower.invalidate(change);
      },
      onResync: () => {
        for (const follower of followers) follower.clear();
      },
    },
    logger,
  );
}
