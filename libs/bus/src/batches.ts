import { InFlight } from './in-flight';

export interface BatchOptions {
  /** Messages in one batch, at most. */
  maxSize: number;
  /** How long the first message of a batch waits for more before the batch is handled, number of milliseconds. */
  windowMs: number;
  /** Batches being handled at once, at most; while that many are, no more messages are taken. */
  maxInFlight: number;
}

/**
 * Takes `messages` a batch at a time: a batch is handed to `handle` when it is full or its first message
 * has waited `windowMs`, while the next one fills. Messages that arrive one by one as requests end are then
 * handled together, with one socket write for their Redis commands and one for their acks instead of two
 * per message. Not taking messages while `maxInFlight` batches run holds back the next JetStream pull
 * too: nats.js issues it as the iterator advances. Resolves once the messages end and every batch is
 * handled; `handle` settles its own failures.
 */
export async function consumeInBatches<T>(
  messages: AsyncIterable<T>,
  opts: BatchOptions,
  handle: (batch: T[]) => Promise<void>,
): Promise<void> {
  const handling = new InFlight(opts.maxInFlight);
  let batch: T[] = [];
  let window: NodeJS.Timeout | undefined;
  const dispatch = () => {
    clearTimeout(window);
    window = undefined;
    if (batch.length === 0) return;
    handling.add(handle(batch));
    batch = [];
  };
  try {
    for await (const msg of messages) {
      batch.push(msg);
      if (batch.length >= opts.maxSize) dispatch();
      else window ??= setTimeout(dispatch, opts.windowMs);
      await handling.room();
    }
  } finally {
    dispatch();
    await handling.drain();
  }
}
