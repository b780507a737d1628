import type { NatsConnection } from '@nats-io/transport-node';
import { publishBroadcast } from '@aigw/bus';
import { KeysChangedEvent, type KeysChanged } from '@aigw/contracts';
import type { Logger } from '@aigw/telemetry';

/** Longest wait for NATS to take an event before the change is answered anyway, number of milliseconds. */
const PUBLISH_DEADLINE_MS = 1000;

/**
 * Tells every proxy and metering replica that cached principals are stale. Called after the change is
 * stored, so a replica that refetches at once sees it. If NATS does not take the event in time the change
 * still stands: caches then converge within their TTL, and replicas that reconnect drop everything.
 */
export async function announceKeysChanged(nc: NatsConnection, change: Omit<KeysChanged, 'at'>, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), PUBLISH_DEADLINE_MS);
  });
  try {
    const outcome = await Promise.race([publishBroadcast(nc, KeysChangedEvent, { ...change, at: Date.now() }), deadline]);
    if (outcome === 'late') logger.warn({ reason: change.reason, keyIds: change.keyIds, tenantId: change.tenantId }, 'keys-changed event not confirmed in time');
  } catch (err) {
    logger.warn({ err, reason: change.reason, keyIds: change.keyIds, tenantId: change.tenantId }, 'keys-changed event not published');
  } finally {
    clearTimeout(timer);
  }
}
