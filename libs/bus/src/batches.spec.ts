import { consumeInBatches } from './batches';

/** An async iterable the test pushes messages into and ends when it wants. */
function channel<T>(): { messages: AsyncIterable<T>; push(m: T): void; end(): void } {
  const queue: T[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  return {
    messages: {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          if (queue.length > 0) yield queue.shift()!;
          else if (ended) return;
          else await new Promise<void>((r) => (wake = r));
        }
      },
    },
    push: (m) => {
      queue.push(m);
      notify();
    },
    end: () => {
      ended = true;
      notify();
    },
  };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('consume in batches', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it('consume in batches – hands over messages that arrive within the window as one batch', async () => {
    const ch = channel<number>();
    const batches: number[][] = [];
    const done = consumeInBatches(ch.messages, { maxSize: 64, windowMs: 20, maxInFlight: 2 }, async (b) => void batches.push(b));
    ch.push(1);
    await turn();
    jest.advanceTimersByTime(10);
    ch.push(2);
    await turn();
    expect(batches).toEqual([]);
    jest.advanceTimersByTime(10);
    expect(batches).toEqual([[1, 2]]);
    ch.end();
    await done;
  });

  it('consume in batches – hands over a full batch at once, without waiting for the window', async () => {
    const ch = channel<number>();
    const batches: number[][] = [];
    const done = consumeInBatches(ch.messages, { maxSize: 3, windowMs: 20, maxInFlight: 2 }, async (b) => void batches.push(b));
    for (const m of [1, 2, 3, 4]) ch.push(m);
    await turn();
    expect(batches).toEqual([[1, 2, 3]]);
    ch.end();
    await done;
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('consume in batches – takes no more messages while the most batches allowed are being handled', async () => {
    const ch = channel<number>();
    const batches: number[][] = [];
    const finish: Array<() => void> = [];
    const done = consumeInBatches(ch.messages, { maxSize: 1, windowMs: 20, maxInFlight: 1 }, (b) => {
      batches.push(b);
      return new Promise<void>((r) => finish.push(r));
    });
    ch.push(1);
    ch.push(2);
    await turn();
    expect(batches).toEqual([[1]]);
    finish[0]!();
    await turn();
    expect(batches).toEqual([[1], [2]]);
    finish[1]!();
    ch.end();
    await done;
  });

  it('consume in batches – on the end of the messages, hands over the batch still filling and waits for every batch', async () => {
    const ch = channel<number>();
    let handled = false;
    const done = consumeInBatches(ch.messages, { maxSize: 64, windowMs: 20, maxInFlight: 2 }, async () => {
      await turn();
      handled = true;
    });
    ch.push(1);
    await turn();
    ch.end();
    await done;
    expect(handled).toBe(true);
  });
});
