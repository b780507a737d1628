import { presentedKey } from './key-verifier';

describe('presented key', () => {
  it('presented key – reads a Bearer token, case-insensitively', () => {
    expect(presentedKey({ authorization: 'Bearer sk-aigw-1' })).toBe('sk-aigw-1');
    expect(presentedKey({ authorization: 'bearer sk-aigw-1' })).toBe('sk-aigw-1');
  });

  it('presented key – falls back to x-api-key', () => {
    expect(presentedKey({ 'x-api-key': 'sk-aigw-2' })).toBe('sk-aigw-2');
  });

  it('presented key – refuses other schemes and empty values', () => {
    expect(presentedKey({ authorization: 'Basic dXNlcjpwYXNz' })).toBeUndefined();
    expect(presentedKey({ authorization: 'Bearer ' })).toBeUndefined();
    expect(presentedKey({ 'x-api-key': '  ' })).toBeUndefined();
    expect(presentedKey({})).toBeUndefined();
  });
});
