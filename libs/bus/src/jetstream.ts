import type { NatsConnection } from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  StorageType,
  type ConsumerConfig,
  type ConsumerMessages,
  type ConsumerUpdateConfig,
  type JsMsg,
  type StreamConfig,
} from '@nats-io/jetstream';
import { Streams } from '@aigw/contracts';
import { SpanKind, withSpan, type Span } from '@aigw/telemetry';
import { busTracer, messagingAttributes, traceContextOf } from './trace-context';

/** JetStream API durations are nanoseconds; ours are milliseconds. */
export const nanos = (ms: number): number => ms * 1_000_000;

/**
 * Stops a `consume()` without stranding what the server already sent it. `close()` unsubscribes at once,
 * and deliveries still on their way (a busy process reads its socket late) would be dropped unacknowledged,
 * to wait ack_wait before JetStream redelivers them. A round trip first: the server answers it after every
 * message it sent before, so they are all in the iterator's buffer, which `close()` still yields.
 */
export async function closeConsumption(nc: NatsConnection, messages: ConsumerMessages): Promise<void> {
  try {
    await nc.flush();
  } catch {
    // The connection is gone: nothing more can arrive, and what did is buffered.
  }
  await messages.close();
}

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

/**
 * Creates a durable consumer, or updates in place the settings that may change. It is never deleted and
 * recreated: a new consumer would replay (or skip) the stream, which for usage means counting twice.
 */
export async function ensureDurableConsumer(
  nc: NatsConnection,
  stream: string,
  name: string,
  settings: {
    /** Applied on creation and on every later start. */
    changeable: Partial<ConsumerUpdateConfig>;
    /** Applied on creation only (JetStream cannot change them afterwards). */
    fixed: Partial<ConsumerConfig>;
  },
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.consumers.info(stream, name);
  } catch (err) {
    if ((err as Error).name !== 'ConsumerNotFoundError') throw err;
    await jsm.consumers.add(stream, { ...settings.changeable, ...settings.fixed, durable_name: name });
    return;
  }
  await jsm.consumers.update(stream, name, settings.changeable);
}

/**
 * Runs `fn` on a consumed JetStream message in a consumer span that joins the trace its publisher put in
 * the headers (a new trace when there is none), so that what a request caused downstream is in its trace.
 */
export function inMessageSpan<T>(msg: JsMsg, consumer: string, fn: (span: Span) => Promise<T>): Promise<T> {
  const attributes = messagingAttributes(msg.subject, {
    'messaging.operation.type': 'process',
    'messaging.consumer.group.name': consumer,
    'messaging.nats.stream_sequence': msg.seq,
    'messaging.nats.redelivered': msg.redelivered,
  });
  return withSpan(busTracer, `process ${msg.subject}`, { kind: SpanKind.CONSUMER, attributes }, fn, traceContextOf(msg.headers));
}

export { jetstream };
