import { createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { SyncContextManager } from './sync-context';

const key = createContextKey('test');
const valueOf = (m: SyncContextManager) => m.active().getValue(key);

describe('SyncContextManager', () => {
  it('sync context – is what the innermost running with() set, and the outer one again after it', () => {
    const m = new SyncContextManager();
    const outer = ROOT_CONTEXT.setValue(key, 'outer');
    const seen = m.with(outer, () => [valueOf(m), m.with(outer.setValue(key, 'inner'), () => valueOf(m)), valueOf(m)]);
    expect(seen).toEqual(['outer', 'inner', 'outer']);
    expect(m.active()).toBe(ROOT_CONTEXT);
  });

  it('sync context – restores the outer context when the callback throws', () => {
    const m = new SyncContextManager();
    expect(() =>
      m.with(ROOT_CONTEXT.setValue(key, 'x'), () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(m.active()).toBe(ROOT_CONTEXT);
  });

  it('sync context – does not follow an await: code after it sees the root context unless it is passed one', async () => {
    const m = new SyncContextManager();
    const after = await m.with(ROOT_CONTEXT.setValue(key, 'x'), async () => {
      const before = valueOf(m);
      await Promise.resolve();
      return [before, valueOf(m)];
    });
    expect(after).toEqual(['x', undefined]);
  });

  it('sync context – binds a function to a context for whenever it is called, with its this and arguments', () => {
    const m = new SyncContextManager();
    const bound = m.bind(ROOT_CONTEXT.setValue(key, 'bound'), function (this: { n: number }, add: number) {
      return [valueOf(m), this.n + add];
    });
    expect(bound.call({ n: 1 }, 2)).toEqual(['bound', 3]);
    expect(m.bind(ROOT_CONTEXT, 'not a function')).toBe('not a function');
  });
});
