import { createHash } from 'node:crypto';

/**
 * How a gateway key is identified on the bus and in Redis: SHA-256 of the key, lowercase hex. Keys are
 * 128+ bits of randomness, so a plain (unsalted) hash is not open to guessing, and lookups by hash make
 * the comparison independent of the secret's content.
 */
export function hashKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The display form of a key (`sk-aigw...abcd`): enough for a person to tell keys apart, useless to an attacker. */
export function keyPrefix(secret: string): string {
  return secret.length <= 12 ? '...' : `${secret.slice(0, 7)}...${secret.slice(-4)}`;
}
