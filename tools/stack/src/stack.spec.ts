import { generateKey } from './stack';

describe('stack – demo keys', () => {
  it('generates distinct gateway keys with 192 bits of randomness', () => {
    const a = generateKey();
    expect(a).toMatch(/^sk-aigw-[A-Za-z0-9_-]{32}$/);
    expect(generateKey()).not.toBe(a);
  });
});
