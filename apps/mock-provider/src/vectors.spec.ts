import { embeddingVector, float32Base64 } from './vectors';

describe('vectors', () => {
  it('embeddingVector – is the same for the same input and differs for another', () => {
    expect(Array.from(embeddingVector('hello', 8))).toEqual(Array.from(embeddingVector('hello', 8)));
    expect(Array.from(embeddingVector('hello', 8))).not.toEqual(Array.from(embeddingVector('hello!', 8)));
  });

  it('embeddingVector – has the asked length and unit norm', () => {
    for (const dims of [1, 8, 256]) {
      const v = embeddingVector('some text', dims);
      expect(v).toHaveLength(dims);
      const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
      expect(norm).toBeCloseTo(1, 5);
    }
  });

  it('float32Base64 – encodes little-endian float32s that decode to the same numbers', () => {
    const v = embeddingVector('round trip', 8);
    const buf = Buffer.from(float32Base64(v), 'base64');
    expect(buf).toHaveLength(32);
    const decoded = Array.from({ length: 8 }, (_, i) => buf.readFloatLE(i * 4));
    expect(decoded).toEqual(Array.from(v));
  });
});
