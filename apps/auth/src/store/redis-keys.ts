/**
 * Every Redis key auth writes. A key is found by the hash of its secret; everything else about it lives
 * in its record, under its id, so that a key with several live secrets (during a rotation) is one key.
 *
 * | Key | Type | Holds |
 * |---|---|---|
 * | `aigw:key:<sha256>` | hash | `keyId`, and `notAfter` (ms) once the secret was rotated out |
 * | `aigw:keyid:<id>` | string | hash of the key's current secret |
 * | `aigw:keyhashes:<id>` | set | hashes of every secret of the key that may still be presented |
 * | `aigw:keyrec:<id>` | hash | the key's record (see `records.ts`) |
 * | `aigw:keys` | sorted set | every key id, for paging in id order |
 * | `aigw:tenant:<id>` | hash | the tenant's record |
 * | `aigw:tenants` | sorted set | every tenant id |
 * | `aigw:tenantkeys:<id>` | sorted set | the tenant's key ids |
 * | `aigw:authfail:<address>` | string | failed authentications of a client address in the current window |
 */
export const RedisKeys = {
  secretPrefix: 'aigw:key:',
  secret: (keyHash: string) => `aigw:key:${keyHash}`,
  currentSecret: (keyId: string) => `aigw:keyid:${keyId}`,
  secretsOf: (keyId: string) => `aigw:keyhashes:${keyId}`,
  recordPrefix: 'aigw:keyrec:',
  record: (keyId: string) => `aigw:keyrec:${keyId}`,
  allKeys: 'aigw:keys',
  tenantPrefix: 'aigw:tenant:',
  tenant: (tenantId: string) => `aigw:tenant:${tenantId}`,
  allTenants: 'aigw:tenants',
  tenantKeysPrefix: 'aigw:tenantkeys:',
  tenantKeys: (tenantId: string) => `aigw:tenantkeys:${tenantId}`,
  failures: (bucket: string) => `aigw:authfail:${bucket}`,
  /** Failed lookups of secrets shown as one display prefix (`sk-aigw...abcd`), from anywhere. */
  prefixFailures: (prefix: string) => `aigw:authfail:prefix:${encodeURIComponent(prefix)}`,
} as const;
