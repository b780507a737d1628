import { SlidingWindow } from './sliding-window';

describe('sliding window', () => {
  it('sliding window – sums what was added within the span and drops what is older', () => {
    const w = new SlidingWindow(60_000, 2, 12);
    w.add(0, [1, 100]);
    w.add(30_000, [1, 50]);
    expect(w.sums(59_000)).toEqual([2, 150]);
    expect(w.sums(64_000)).toEqual([1, 50]);
    expect(w.sums(120_000)).toEqual([0, 0]);
  });

  it('sliding window – reuses a slot for a later period without keeping its old count', () => {
    const w = new SlidingWindow(1_000, 1, 10);
    w.add(50, [5]);
    w.add(1_050, [1]);
    expect(w.sums(1_060)).toEqual([1]);
  });
});
