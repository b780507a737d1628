import { countWords, slices } from './text';

describe('text', () => {
  it('countWords – counts runs of non-space, whatever the whitespace between them', () => {
    expect(countWords('')).toBe(0);
    expect(countWords('   ')).toBe(0);
    expect(countWords('one')).toBe(1);
    expect(countWords(' two\twords\n')).toBe(2);
    expect(countWords('a\u00a0b\u3000c')).toBe(3);
  });

  it('slices – cuts text into near-equal slices that join back to it', () => {
    expect(slices('abcdefgh', 3)).toEqual(['abc', 'def', 'gh']);
    expect(slices('abc', 8)).toEqual(['a', 'b', 'c']);
    expect(slices('', 4)).toEqual([]);
    const text = '{"city":"Paris in spring"}';
    expect(slices(text, 5).join('')).toBe(text);
  });
});
