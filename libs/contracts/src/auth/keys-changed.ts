import { z } from 'zod';
import { Subjects } from '../subjects';

/** Why cached principals must go. */
export const KeysChangedReason = z.enum([
  /** A key was revoked: its secrets stop working at once. */
  'revoked',
  /** A key got a new secret; the old one now carries the end of its grace period. */
  'rotated',
  /** A key's settings changed (role, models, expiry, addresses, limits, labels). */
  'updated',
  /** A tenant's settings changed (tier, limits, addresses): every principal of the tenant is stale. */
  'tenant-updated',
]);
export type KeysChangedReason = z.infer<typeof KeysChangedReason>;

/**
 * Broadcast by auth over core NATS after the change is stored, so that every proxy and metering replica
 * drops what it cached: a revocation takes effect everywhere within a round trip, not after a cache TTL.
 * Core NATS delivers at most once, so a subscriber that was disconnected must drop its whole cache on
 * reconnect (`subscribeBroadcast` in libs/bus does).
 */
export const KeysChanged = z.object({
  reason: KeysChangedReason,
  /** Ids of the keys concerned; empty for a tenant-wide change. */
  keyIds: z.array(z.string()),
  /** SHA-256 (lowercase hex) of every secret of those keys that a cache may hold, including rotated ones. */
  keyHashes: z.array(z.string().regex(/^[0-9a-f]{64}$/)),
  /** The tenant concerned; for `tenant-updated`, every principal of this tenant is stale. */
  tenantId: z.string().min(1),
  /** When auth stored the change, number of milliseconds since the Unix epoch. */
  at: z.number().int(),
});
export type KeysChanged = z.infer<typeof KeysChanged>;

export const KeysChangedEvent = { subject: Subjects.authKeysChanged, schema: KeysChanged } as const;
