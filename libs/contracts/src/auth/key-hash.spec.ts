import { hashKey, keyPrefix } from './key-hash';

describe('key hash – how keys are identified', () => {
  it('is the lowercase hex SHA-256 of the key', () => {
    expect(hashKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('shows only the start and the last four characters of a key', () => {
    expect(keyPrefix('sk-aigw-0123456789abcdefWXYZ')).toBe('sk-aigw...WXYZ');
    expect(keyPrefix('short')).toBe('...');
  });
});
