import { randomBytes } from 'node:crypto';

/** Prefix of every key secret the gateway makes, so that secret scanners can recognise a leaked one. */
export const SECRET_PREFIX = 'sk-aigw-';

/** A new key secret: 256 bits from the CSPRNG, shown once and stored only as its hash. */
export function newSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** A new key id (`key_` + 96 random bits): safe to log, to show and to put in URLs. */
export function newKeyId(): string {
  return `key_${randomBytes(12).toString('hex')}`;
}
