export * from './authenticator';
export * from './bus-lookups';
export { MISSING_KEY_MESSAGE, presentedKey } from './credential';
export { PrincipalCache, type PrincipalCacheOptions } from './principal-cache';
export { JwtAuthenticator, type JwtAuthenticatorOptions } from './jwt-authenticator';
