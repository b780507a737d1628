import type { RequestHandler } from 'express';
import { hashKey, InvalidApiKeyError, VerifyKey, type KeysChanged, type Principal } from '@aigw/contracts';
import type { BusClient } from '@aigw/bus';

/** Entries kept before expired ones are swept; bounds memory if many distinct keys are presented. */
const MAX_CACHED_KEYS = 10_000;

/**
 * Asks auth who is behind a key, remembering the answer for `ttlMs` so that a dashboard polling the API
 * does not cost one NATS round trip per call. Concurrent calls with the same key share one request.
 * Failures are not remembered: a key created a moment ago, or auth coming back, is seen at once.
 */
export class KeyVerifier {
  readonly #bus: BusClient;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { expiresAt: number; principal: Promise<Principal>; settled?: Principal }>();

  constructor(bus: BusClient, opts: { ttlMs: number }) {
    this.#bus = bus;
    this.#ttlMs = opts.ttlMs;
  }

  verify(secret: string): Promise<Principal> {
    const keyHash = hashKey(secret);
    const now = Date.now();
    const hit = this.#cache.get(keyHash);
    if (hit && hit.expiresAt > now) return hit.principal;
    if (this.#cache.size >= MAX_CACHED_KEYS) this.#sweep(now);
    const principal = this.#bus.request(VerifyKey, { keyHash }).then((r) => r.principal);
    this.#cache.set(keyHash, { expiresAt: now + this.#ttlMs, principal });
    principal.then(
      (settled) => {
        const entry = this.#cache.get(keyHash);
        if (entry?.principal === principal) entry.settled = settled;
      },
      () => {
        if (this.#cache.get(keyHash)?.principal === principal) this.#cache.delete(keyHash);
      },
    );
    return principal;
  }

  /** Drops what auth announced as stale (`auth.v1.keys-changed`): the listed secrets and keys, or a whole tenant. */
  invalidate(change: KeysChanged): void {
    const hashes = new Set(change.keyHashes);
    const tenantWide = change.reason === 'tenant-updated';
    for (const [hash, { settled }] of this.#cache) {
      const stale = hashes.has(hash) || (settled ? change.keyIds.includes(settled.keyId) || (tenantWide && settled.tenantId === change.tenantId) : tenantWide);
      if (stale) this.#cache.delete(hash);
    }
  }

  /** Drops everything: announcements may have been missed while NATS was away. */
  clear(): void {
    this.#cache.clear();
  }

  #sweep(now: number): void {
    for (const [hash, entry] of this.#cache) {
      if (entry.expiresAt <= now) this.#cache.delete(hash);
    }
    // Still full of live entries: drop the oldest, Map iteration follows insertion order.
    for (const hash of this.#cache.keys()) {
      if (this.#cache.size < MAX_CACHED_KEYS) break;
      this.#cache.delete(hash);
    }
  }
}

/** The gateway key of a request: `Authorization: Bearer <key>`, else `x-api-key`. */
export function presentedKey(headers: { authorization?: string; 'x-api-key'?: string | string[] }): string | undefined {
  const auth = headers.authorization;
  if (auth !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return match?.[1];
  }
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.trim() !== '' ? apiKey.trim() : undefined;
}

/** Puts the caller's principal in `res.locals.principal`, or fails the request with 401/503. */
export function authenticate(verifier: KeyVerifier): RequestHandler {
  return async (req, res, next) => {
    const secret = presentedKey(req.headers);
    if (!secret) throw new InvalidApiKeyError('Missing API key. Pass a gateway key as "Authorization: Bearer <key>".');
    const principal = await verifier.verify(secret);
    // A cached principal outlives neither its key's expiry nor the end of a rotated secret's grace period.
    if (principal.expiresAt !== undefined && principal.expiresAt <= Date.now()) {
      throw new InvalidApiKeyError(`The credential expired at ${new Date(principal.expiresAt).toISOString()}.`);
    }
    res.locals.principal = principal;
    next();
  };
}
