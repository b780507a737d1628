import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Whether a presented key is acceptable: any non-empty one, or exactly `expected` when the mock is given
 * a key. Digests make the comparison constant-time whatever the lengths.
 */
export function keyChecker(expected: string | undefined): (presented: string) => boolean {
  if (expected === undefined) return (presented) => presented.length > 0;
  const want = digest(expected);
  return (presented) => timingSafeEqual(digest(presented), want);
}
