import { ErrorCode } from './errors/codes';
import { isIdentifier, MAX_IDENTIFIER_CHARS, requireIdentifier } from './identifiers';

describe('identifiers – where a model name or tenant id enters', () => {
  it('accepts printable names, Unicode included', () => {
    for (const name of ['gpt-4o-mini', 'claude:3.5/sonnet@eu', 'модель', 'モデル', '🤖-bot', 'a b']) {
      expect(isIdentifier(name)).toBe(true);
      expect(requireIdentifier(name, 'model')).toBe(name);
    }
  });

  it('refuses control characters, line separators and lone surrogates, without echoing the value', () => {
    for (const name of ['x\r\ny', 'a\u0000', 'tab\there', 'del\u007f', 'c1\u0085', 'ls\u2028', 'lone\ud800', '\udc00tail']) {
      expect(isIdentifier(name)).toBe(false);
      let caught: unknown;
      try {
        requireIdentifier(name, 'model');
      } catch (err) {
        caught = err;
      }
      expect(caught).toMatchObject({ code: ErrorCode.InvalidRequest, details: { param: 'model' } });
      expect((caught as Error).message).not.toContain(name);
    }
  });

  it('refuses the empty, the too long and what is not a string', () => {
    expect(isIdentifier('')).toBe(false);
    expect(isIdentifier('x'.repeat(MAX_IDENTIFIER_CHARS + 1))).toBe(false);
    expect(() => requireIdentifier(42, 'tenant')).toThrow(/non-empty string/);
    expect(() => requireIdentifier('x'.repeat(300), 'tenant')).toThrow(/longer than 256/);
  });
});
