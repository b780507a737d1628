import { looksLikeJwt, presentedCredential } from './presented-credential';

describe('presentedCredential', () => {
  it('presented credential – reads a Bearer token, then x-api-key, then x-goog-api-key', () => {
    expect(presentedCredential({ authorization: 'Bearer sk-a' })).toEqual({ credential: 'sk-a', header: 'authorization' });
    expect(presentedCredential({ authorization: 'bearer   sk-a  ' })).toEqual({ credential: 'sk-a', header: 'authorization' });
    expect(presentedCredential({ 'x-api-key': 'sk-b' })).toEqual({ credential: 'sk-b', header: 'x-api-key' });
    expect(presentedCredential({ 'x-goog-api-key': 'sk-c' })).toEqual({ credential: 'sk-c', header: 'x-goog-api-key' });
    expect(presentedCredential({ authorization: 'Bearer sk-a', 'x-api-key': 'sk-b' })).toEqual({ credential: 'sk-a', header: 'authorization' });
  });

  it('presented credential – has none without a usable header', () => {
    expect(presentedCredential({})).toBeUndefined();
    expect(presentedCredential({ authorization: 'Basic dXNlcjpwYXNz' })).toBeUndefined();
    expect(presentedCredential({ authorization: 'Bearer' })).toBeUndefined();
    expect(presentedCredential({ 'x-api-key': '  ' })).toBeUndefined();
  });
});

describe('looksLikeJwt', () => {
  it('looks like JWT – tells a compact JWT from a gateway key', () => {
    expect(looksLikeJwt('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln')).toBe(true);
    expect(looksLikeJwt('sk-aigw-AbC_dEf-123')).toBe(false);
    expect(looksLikeJwt('a.b')).toBe(false);
    expect(looksLikeJwt('a.b.c.d')).toBe(false);
  });
});
