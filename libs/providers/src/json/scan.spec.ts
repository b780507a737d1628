import { looksLikeJsonObject } from './scan';

describe('json scan', () => {
  it('scan – tells a whole JSON object from a cut one, without parsing', () => {
    expect(looksLikeJsonObject(Buffer.from(' {"a":1}\n'))).toBe(true);
    expect(looksLikeJsonObject(Buffer.from('{"a":'))).toBe(false);
    expect(looksLikeJsonObject(Buffer.from('[1]'))).toBe(false);
    expect(looksLikeJsonObject(Buffer.from('  '))).toBe(false);
    expect(looksLikeJsonObject(Buffer.alloc(0))).toBe(false);
  });
});
