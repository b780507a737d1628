import { randomBytes } from 'node:crypto';

/** Differs per process, so ids stay unique across restarts without a random draw per request. */
const PROCESS_TAG = randomBytes(6).toString('hex');
let counter = 0;

/** A unique id such as `chatcmpl-3f9a0c12b4e7000001`, in the shape of the provider's own ids. */
export function nextId(prefix: string): string {
  return prefix + PROCESS_TAG + (++counter).toString(36).padStart(6, '0');
}
