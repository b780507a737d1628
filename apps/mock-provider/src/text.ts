/**
 * The mock's stand-in for a tokenizer and a model: prompt tokens are words, and a reply is the caller's own
 * text cut into a fixed number of pieces. Simple enough that a test can work out every answer by hand.
 */

function isSpace(c: number): boolean {
  return (
    c === 32 ||
    (c >= 9 && c <= 13) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** Number of whitespace-separated words in `text`. */
export function countWords(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    if (isSpace(text.charCodeAt(i))) inWord = false;
    else if (!inWord) {
      inWord = true;
      n++;
    }
  }
  return n;
}

/** `text` cut into `count` slices of near-equal length (earlier ones longer), or one per character if shorter. */
export function slices(text: string, count: number): string[] {
  const n = Math.min(count, text.length);
  if (n === 0) return [];
  const base = Math.floor(text.length / n);
  const extra = text.length % n;
  const out: string[] = new Array(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const size = base + (i < extra ? 1 : 0);
    out[i] = text.slice(at, at + size);
    at += size;
  }
  return out;
}
