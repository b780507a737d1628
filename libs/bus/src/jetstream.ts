import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, StorageType, type JetStreamClient, type StreamConfig } from '@nats-io/jetstream';
import { Streams } from '@aigw/contracts';
import { encodeJson } from './codec';

const nanos = (ms: number) => ms * 1_000_000;

/** Creates the USAGE stream, or updates it to the declared shape; safe to run from every replica at boot. */
export async function ensureUsageStream(nc: NatsConnection, opts: { replicas?: number; maxAgeMs?: number } = {}): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const def = Streams.usage;
  const maxAgeMs = opts.maxAgeMs ?? 30 * 24 * 60 * 60 * 1000;
  const config: Partial<StreamConfig> & { name: string } = {
    name: def.name,
    subjects: [...def.subjects],
    storage: StorageType.File,
    // JetStream refuses a duplicate window longer than the retention.
    duplicate_window: nanos(Math.min(def.duplicateWindowMs, maxAgeMs)),
    num_replicas: opts.replicas ?? 1,
    max_age: nanos(maxAgeMs),
  };
  try {
    await jsm.streams.info(def.name);
    await jsm.streams.update(def.name, config);
  } catch (err) {
    if ((err as Error).name !== 'StreamNotFoundError') throw err;
    await jsm.streams.add(config);
  }
}

/** Publishes an event with `msgID` as `Nats-Msg-Id`, so that a repeated publish is stored once. */
export async function publishEvent(js: JetStreamClient, subject: string, event: unknown, msgID: string): Promise<{ duplicate: boolean }> {
  const ack = await js.publish(subject, encodeJson(event), { msgID });
  return { duplicate: ack.duplicate };
}

export { jetstream };
