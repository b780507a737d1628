import { ErrorCode, GatewayError, type Principal } from '@aigw/contracts';

export interface PrincipalCacheOptions {
  /** How long a verified key is trusted, number of milliseconds. */
  ttlMs: number;
  /** How long an unknown key is remembered as unknown, number of milliseconds; short, so a new key works at once. */
  negativeTtlMs: number;
  /** Most keys remembered; the oldest entry goes first. */
  maxEntries: number;
}

interface Entry {
  principal: Promise<Principal>;
  expiresAt: number;
}

/**
 * Principals by key hash, so that auth is asked once per key per `ttlMs` rather than once per request.
 * Concurrent requests with the same key share one lookup. A key auth does not know is remembered for
 * `negativeTtlMs` only; any other failure (auth not answering) is not remembered at all.
 */
export class PrincipalCache {
  readonly #entries = new Map<string, Entry>();
  readonly #verify: (keyHash: string) => Promise<Principal>;
  readonly #opts: PrincipalCacheOptions;

  constructor(verify: (keyHash: string) => Promise<Principal>, opts: PrincipalCacheOptions) {
    this.#verify = verify;
    this.#opts = opts;
  }

  get(keyHash: string): Promise<Principal> {
    const now = Date.now();
    const hit = this.#entries.get(keyHash);
    if (hit && hit.expiresAt > now) return hit.principal;
    if (hit) this.#entries.delete(keyHash);
    const entry: Entry = { principal: this.#verify(keyHash), expiresAt: now + this.#opts.ttlMs };
    entry.principal.catch((err: unknown) => {
      if (this.#entries.get(keyHash) !== entry) return;
      if (err instanceof GatewayError && err.code === ErrorCode.InvalidApiKey) {
        entry.expiresAt = Math.min(entry.expiresAt, Date.now() + this.#opts.negativeTtlMs);
      } else {
        this.#entries.delete(keyHash);
      }
    });
    if (this.#entries.size >= this.#opts.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(keyHash, entry);
    return entry.principal;
  }
}
