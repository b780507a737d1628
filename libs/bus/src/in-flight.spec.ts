import { InFlight } from './in-flight';

/** A task the test ends when it wants. */
function task(): { promise: Promise<void>; end(): void } {
  let end!: () => void;
  const promise = new Promise<void>((resolve) => (end = resolve));
  return { promise, end };
}

/** Whether `promise` has settled once the tasks already queued have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
}

describe('in flight', () => {
  it('in flight – has room until the limit, and again once a task ends', async () => {
    const inFlight = new InFlight(2);
    const [a, b] = [task(), task()];
    inFlight.add(a.promise);
    expect(await settled(inFlight.room())).toBe(true);
    inFlight.add(b.promise);
    const room = inFlight.room();
    expect(await settled(room)).toBe(false);
    b.end();
    expect(await settled(room)).toBe(true);
    a.end();
  });

  it('in flight – drains the tasks running and those added while draining', async () => {
    const inFlight = new InFlight(4);
    const [a, b] = [task(), task()];
    inFlight.add(a.promise);
    const drained = inFlight.drain();
    inFlight.add(b.promise);
    a.end();
    expect(await settled(drained)).toBe(false);
    b.end();
    expect(await settled(drained)).toBe(true);
  });

  it('in flight – rejects a limit that is not a positive integer', () => {
    expect(() => new InFlight(0)).toThrow(/positive integer, got 0/);
    expect(() => new InFlight(1.5)).toThrow(RangeError);
  });
});
