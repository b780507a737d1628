import { endOfTurn } from './end-of-turn';

describe('endOfTurn', () => {
  it('is one promise for every caller of a turn, and a new one in the next turn', async () => {
    const first = endOfTurn();
    expect(endOfTurn()).toBe(first);
    await first;
    expect(endOfTurn()).not.toBe(first);
  });

  it('resumes the callers of a turn one after another, before a microtask queued by the first of them', async () => {
    const order: string[] = [];
    const caller = async (name: string) => {
      await endOfTurn();
      order.push(name);
      // What nats.js does at the first publish after a write: queue the write as a microtask.
      if (name === 'a') queueMicrotask(() => order.push('write'));
    };
    await Promise.all([caller('a'), caller('b'), caller('c')]);
    expect(order).toEqual(['a', 'b', 'c', 'write']);
  });

  it('runs after the callbacks already scheduled for this turn', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('immediate scheduled before'));
    await endOfTurn();
    order.push('resumed');
    expect(order).toEqual(['immediate scheduled before', 'resumed']);
  });
});
