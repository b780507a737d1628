import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@aigw/telemetry';

export interface BusConnectOptions {
  servers: string;
  /** Connection name shown by the NATS server's monitoring, e.g. `proxy`. */
  name: string;
  logger: Logger;
  /**
   * Skip the stack trace NATS captures at every request to enrich a later timeout error. That capture
   * costs tens of microseconds per request; hot paths that tell failures apart by error class lose nothing.
   */
  noAsyncTraces?: boolean;
}

/**
 * Connects to NATS and keeps reconnecting forever: an outage of the bus degrades the service until it
 * comes back, it never turns into a permanent failure that needs a restart.
 */
export async function connectBus(opts: BusConnectOptions): Promise<NatsConnection> {
  const nc = await connect({
    servers: opts.servers.split(','),
    name: opts.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    noAsyncTraces: opts.noAsyncTraces ?? false,
  });
  opts.logger.info({ server: nc.getServer() }, 'connected to NATS');
  connected.set(nc, true);
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        connected.set(nc, false);
        opts.logger.warn({ server: s.server }, 'NATS disconnected');
      } else if (s.type === 'reconnect') {
        connected.set(nc, true);
        opts.logger.info({ server: s.server }, 'NATS reconnected');
      } else if (s.type === 'error') {
        opts.logger.error({ err: s.error }, 'NATS error');
      }
    }
  })();
  return nc;
}

/** Connection state as the status events last reported it, per connection made by connectBus. */
const connected = new WeakMap<NatsConnection, boolean>();

/** Whether the connection is known to be down: lost and reconnecting, or closed. */
export function isBusDown(nc: NatsConnection): boolean {
  return connected.get(nc) === false || nc.isClosed();
}

/** Whether the connection can carry requests now: connected, not draining, not closed. */
export function isBusReady(nc: NatsConnection): boolean {
  return connected.get(nc) === true && !nc.isClosed() && !nc.isDraining();
}
