import { ErrorCode, GatewayError, type KeysChanged, type Principal } from '@aigw/contracts';

export interface PrincipalCacheOptions {
  /** How long a verified key is trusted, number of milliseconds. */
  ttlMs: number;
  /** How long an unknown key is remembered as unknown, number of milliseconds; short, so a new key works at once. */
  negativeTtlMs: number;
  /** Most keys remembered; the oldest entry goes first. */
  maxEntries: number;
  /**
   * How long after auth last vouched for a key its principal still serves when auth cannot answer (auth, its
   * Redis or NATS down: `service_unavailable`), number of milliseconds; 0 never. A key revoked meanwhile is
   * not served: a revocation drops the entry when it is announced, and after a NATS outage every entry goes.
   */
  staleIfErrorMs?: number;
  /** Called when a lookup is answered with a principal auth could not confirm. */
  onStale?: () => void;
}

/** A principal as auth last confirmed it, and when. */
interface Confirmed {
  principal: Principal;
  at: number;
}

interface Entry {
  principal: Promise<Principal>;
  expiresAt: number;
  /** The principal once auth answered; until then the entry counts as any key's and any tenant's. */
  settled?: Confirmed;
}

/**
 * Principals by key hash, so that auth is asked once per key per `ttlMs` rather than once per request.
 * Concurrent requests with the same key share one lookup. A key auth does not know is remembered for
 * `negativeTtlMs` only; any other failure (auth not answering) is not remembered, and is answered with the
 * key's last principal while that is younger than `staleIfErrorMs`.
 */
export class PrincipalCache<Ask = void> {
  readonly #entries = new Map<string, Entry>();
  readonly #verify: (keyHash: string, ask: Ask) => Promise<Principal>;
  readonly #opts: PrincipalCacheOptions;

  constructor(verify: (keyHash: string, ask: Ask) => Promise<Principal>, opts: PrincipalCacheOptions) {
    this.#verify = verify;
    this.#opts = opts;
  }

  /**
   * The principal of a key hash; on a miss auth is asked, with `ask` (who asks and from where, to count a
   * failure against).
   */
  get(keyHash: string, ask: Ask): Promise<Principal> {
    const now = Date.now();
    const hit = this.#entries.get(keyHash);
    if (hit && hit.expiresAt > now) return hit.principal;
    if (hit) this.#entries.delete(keyHash);
    // What auth last confirmed for this key, in case it cannot answer now.
    const last = hit?.settled;
    const staleIfErrorMs = this.#opts.staleIfErrorMs ?? 0;
    const entry = { expiresAt: now + this.#opts.ttlMs } as Entry;
    entry.principal = this.#verify(keyHash, ask).then(
      (principal) => {
        entry.settled = { principal, at: Date.now() };
        return principal;
      },
      (err: unknown) => {
        const unavailable = err instanceof GatewayError && err.code === ErrorCode.ServiceUnavailable;
        if (last && unavailable && Date.now() < last.at + staleIfErrorMs) {
          entry.settled = last;
          entry.expiresAt = Math.min(entry.expiresAt, last.at + staleIfErrorMs);
          this.#opts.onStale?.();
          return last.principal;
        }
        if (this.#entries.get(keyHash) === entry) {
          if (err instanceof GatewayError && err.code === ErrorCode.InvalidApiKey) {
            entry.expiresAt = Math.min(entry.expiresAt, Date.now() + this.#opts.negativeTtlMs);
          } else {
            this.#entries.delete(keyHash);
          }
        }
        throw err;
      },
    );
    if (this.#entries.size >= this.#opts.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(keyHash, entry);
    return entry.principal;
  }

  /**
   * Drops what auth announced as stale: the listed secrets, the listed keys, or a whole tenant. Lookups
   * still in flight are dropped too when they might concern the change, since auth may have read the old
   * state for them; the requests waiting on them keep their answer, later ones ask again.
   */
  invalidate(change: KeysChanged): void {
    const hashes = new Set(change.keyHashes);
    const keyIds = new Set(change.keyIds);
    const tenantWide = change.reason === 'tenant-updated';
    for (const [keyHash, entry] of this.#entries) {
      const settled = entry.settled?.principal;
      const stale = hashes.has(keyHash) || (settled ? keyIds.has(settled.keyId) || (tenantWide && settled.tenantId === change.tenantId) : tenantWide);
      if (stale) this.#entries.delete(keyHash);
    }
  }

  /** Drops everything: announcements may have been missed (after a NATS reconnect). */
  clear(): void {
    this.#entries.clear();
  }
}
