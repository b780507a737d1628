import { getAt, parsePath, setAt, unsetAt } from './routing-edit';

const doc = { models: { 'gpt-4.1': { strategy: 'priority', deployments: ['a', 'b'] } } };

describe('routing edits', () => {
  it('routing edit – reads and sets by a slash path, so that aliases with dots work, without touching the original', () => {
    const path = parsePath('models/gpt-4.1/strategy');
    expect(getAt(doc, path)).toBe('priority');
    const edited = setAt(doc, path, 'weighted');
    expect(getAt(edited, path)).toBe('weighted');
    expect(getAt(doc, path)).toBe('priority');
    expect(getAt(setAt(doc, parsePath('models/new/deployments'), ['c']), parsePath('models/new'))).toEqual({ deployments: ['c'] });
  });

  it('routing edit – indexes lists, appends at their end, and refuses a position past it', () => {
    expect(getAt(setAt(doc, parsePath('models/gpt-4.1/deployments/2'), 'c'), parsePath('models/gpt-4.1/deployments'))).toEqual(['a', 'b', 'c']);
    expect(() => setAt(doc, parsePath('models/gpt-4.1/deployments/5'), 'c')).toThrow(/not a position/);
  });

  it('routing edit – removes a field or a list item, and says when there is nothing to remove', () => {
    expect(getAt(unsetAt(doc, parsePath('models/gpt-4.1/deployments/0')), parsePath('models/gpt-4.1/deployments'))).toEqual(['b']);
    expect(unsetAt(doc, parsePath('models/gpt-4.1'))).toEqual({ models: {} });
    expect(() => unsetAt(doc, parsePath('models/ghost'))).toThrow("nothing at 'ghost'");
    expect(() => parsePath('/')).toThrow(/give a path/);
  });
});
