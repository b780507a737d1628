import { generateKey } from './stack';

describe('stack – demo keys', () => {
  it('generates distinct gateway keys with 256 bits of randomness', () => {
    const a = generateKey();
    expect(a).toMatch(/^sk-aigw-[A-Za-z0-9_-]{43}$/);
    expect(generateKey()).not.toBe(a);
  });
});
