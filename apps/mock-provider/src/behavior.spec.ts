import { BehaviorPatchSchema, BehaviorStore, DEFAULT_BEHAVIOR, drawTtftMs, hasFault } from './behavior';

describe('behavior', () => {
  it('store – merges patches into the global behavior and resets to the start values', () => {
    const store = new BehaviorStore({ ...DEFAULT_BEHAVIOR, chunks: 3 });
    expect(store.patch({ ttftMs: 50 })).toMatchObject({ ttftMs: 50, chunks: 3 });
    expect(store.patch({ chunks: 5 })).toMatchObject({ ttftMs: 50, chunks: 5 });
    expect(store.reset()).toEqual({ ...DEFAULT_BEHAVIOR, chunks: 3, models: {} });
  });

  it('store – applies a per-model override over the global behavior, and later global changes under it', () => {
    const store = new BehaviorStore(DEFAULT_BEHAVIOR);
    store.patch({ models: { slow: { ttftMs: 200 } } });
    expect(store.get('slow').ttftMs).toBe(200);
    expect(store.get('other').ttftMs).toBe(0);
    expect(store.get(undefined).ttftMs).toBe(0);
    store.patch({ chunks: 2 });
    expect(store.get('slow')).toMatchObject({ ttftMs: 200, chunks: 2 });
    store.patch({ models: { slow: { chunks: 9 } } });
    expect(store.get('slow')).toMatchObject({ ttftMs: 200, chunks: 9 });
    store.patch({ models: { slow: null } });
    expect(store.get('slow').ttftMs).toBe(0);
  });

  it('store – faults the given share of requests, evenly and the same way every run', () => {
    const store = new BehaviorStore({ ...DEFAULT_BEHAVIOR, faultStatus: 500, faultRate: 0.25 });
    const b = store.get(undefined);
    const drawn = Array.from({ length: 8 }, () => store.drawFault(undefined, b));
    expect(drawn).toEqual([false, false, false, true, false, false, false, true]);
  });

  it('jitter – moves the time to first token within ±ttftJitterMs, never below 0; none leaves it fixed', () => {
    expect(drawTtftMs({ ttftMs: 50, ttftJitterMs: 0 }, () => 0.99)).toBe(50);
    expect(drawTtftMs({ ttftMs: 50, ttftJitterMs: 20 }, () => 0)).toBe(30);
    expect(drawTtftMs({ ttftMs: 50, ttftJitterMs: 20 }, () => 0.5)).toBe(50);
    expect(drawTtftMs({ ttftMs: 50, ttftJitterMs: 20 }, () => 0.999999)).toBe(70);
    expect(drawTtftMs({ ttftMs: 10, ttftJitterMs: 30 }, () => 0)).toBe(0);
  });

  it('store – faults every request at rate 1 and none without a fault', () => {
    const store = new BehaviorStore({ ...DEFAULT_BEHAVIOR, faultReset: true });
    expect(store.drawFault(undefined, store.get(undefined))).toBe(true);
    store.reset();
    store.patch({ faultReset: false });
    expect(hasFault(store.get(undefined))).toBe(false);
    expect(store.drawFault(undefined, store.get(undefined))).toBe(false);
  });

  it('store – counts the fault share per overridden model', () => {
    const store = new BehaviorStore(DEFAULT_BEHAVIOR);
    store.patch({ models: { flaky: { faultStatus: 503, faultRate: 0.5 } } });
    const flaky = store.get('flaky');
    expect(store.drawFault('flaky', flaky)).toBe(false);
    expect(store.drawFault('stable', store.get('stable'))).toBe(false);
    expect(store.drawFault('flaky', flaky)).toBe(true);
  });

  it('patch schema – rejects unknown and mistyped fields', () => {
    expect(BehaviorPatchSchema.safeParse({ ttftMS: 5 }).success).toBe(false);
    expect(BehaviorPatchSchema.safeParse({ chunks: 0 }).success).toBe(false);
    expect(BehaviorPatchSchema.safeParse({ models: { m: { faultRate: 2 } } }).success).toBe(false);
    expect(BehaviorPatchSchema.safeParse({ models: { m: { bogus: 1 } } }).success).toBe(false);
    expect(BehaviorPatchSchema.safeParse({ faultStatus: null, models: { m: { chunks: 2 } } }).success).toBe(true);
  });
});
