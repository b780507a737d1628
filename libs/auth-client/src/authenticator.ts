import type { IncomingMessage } from 'node:http';
import { context, type Context } from '@opentelemetry/api';
import type { AuthConfig } from '@aigw/config';
import {
  addressSet,
  checkCredential,
  clientAddress,
  ErrorCode,
  GatewayError,
  hashKey,
  keyPrefix,
  looksLikeJwt,
  RateLimitError,
  type KeysChanged,
  type Principal,
  type Role,
  type Tenant,
} from '@aigw/contracts';
import { presentedKey } from './credential';
import { JwtAuthenticator } from './jwt-authenticator';
import { PrincipalCache } from './principal-cache';

/** Where an authenticator asks what it does not know itself: auth over NATS at most edges, auth's store in auth's own. */
export interface CredentialLookups {
  /**
   * The principal behind a key hash. A failure is counted against the caller's address and the presented
   * key's display prefix; past the limit, a `RateLimitError`. A key in force is always answered.
   */
  verifyKey(request: { keyHash: string; clientIp: string; keyPrefix: string }, traceContext: Context): Promise<Principal>;
  /** A tenant's tier, limits and addresses, for JWT principals. */
  getTenant(tenantId: string, traceContext: Context | undefined): Promise<Tenant>;
  /** Counts a failure decided at the edge (a JWT that did not verify) against the caller's address. */
  recordFailure(clientIp: string, traceContext: Context): Promise<{ blocked: boolean; retryAfterS?: number }>;
}

export interface AuthenticatorOptions {
  /** Roles that may use this edge; `admin` may use every edge. */
  roles: readonly Role[];
  /** How long a verified key is trusted without asking again, number of milliseconds; 0: every request asks. */
  ttlMs: number;
  /** How long a key's last verified principal still serves while auth cannot answer (`PrincipalCache`). */
  staleIfErrorMs?: number;
  /** Called when it does. */
  onStale?: () => void;
  maxEntries?: number;
  /** The config's `auth:` section: trusted proxies and JWT issuers. */
  auth?: Pick<AuthConfig, 'trustedProxies' | 'jwtIssuers'>;
  /** Where JWT issuers' `secretEnv` are looked up. */
  secrets: Readonly<Record<string, string | undefined>>;
}

/** Who presents a key, and in which trace: what a lookup counts a failure against. */
interface KeyAsk {
  clientIp: string;
  /** The presented key's display form (`keyPrefix`). */
  prefix: string;
  traceContext: Context;
}

/** Who is calling, and whether they may call this edge from where they are. */
export type Authenticate = (req: IncomingMessage) => Promise<Principal>;

export interface Authenticator {
  authenticate: Authenticate;
  /** Drops what auth announced as stale (`auth.v1.keys-changed`). */
  invalidate(change: KeysChanged): void;
  /** Drops everything: announcements may have been missed. */
  clear(): void;
}

/**
 * Authentication as every HTTP edge does it (proxy, metering API, admin API): the client address (socket,
 * or `X-Forwarded-For` through trusted proxies only), then the credential from `Authorization: Bearer`,
 * `x-api-key` or `x-goog-api-key`. A gateway key's hash is looked up (the secret never leaves the edge)
 * through a cache; a JWT is verified here. Failures are counted per address and key prefix by auth, which
 * throttles them without ever refusing a valid credential. Expiry, role and address allowlists are checked
 * on every request, cached or not.
 */
export function createAuthenticator(lookups: CredentialLookups, opts: AuthenticatorOptions): Authenticator {
  const maxEntries = opts.maxEntries ?? 10_000;
  const keys = new PrincipalCache<KeyAsk>(
    (keyHash, { clientIp, prefix, traceContext }) => lookups.verifyKey({ keyHash, clientIp, keyPrefix: prefix }, traceContext),
    {
      ttlMs: opts.ttlMs,
      negativeTtlMs: Math.min(opts.ttlMs, 1_000),
      maxEntries,
      staleIfErrorMs: opts.staleIfErrorMs,
      onStale: opts.onStale,
    },
  );
  const issuers = opts.auth?.jwtIssuers ?? {};
  const jwt = Object.keys(issuers).length
    ? new JwtAuthenticator({ issuers, secrets: opts.secrets, fetchTenant: lookups.getTenant, maxEntries, tenantTtlMs: opts.ttlMs })
    : undefined;
  const trustedProxies = opts.auth?.trustedProxies.length ? addressSet(opts.auth.trustedProxies) : undefined;

  /** A token that failed here counts against the caller's address in auth, like an unknown key does there. */
  const verifyToken = async (token: string, clientIp: string, traceContext: Context): Promise<Principal> => {
    try {
      return await jwt!.verify(token, traceContext);
    } catch (err) {
      if (!(err instanceof GatewayError) || err.code !== ErrorCode.InvalidApiKey) throw err;
      const { blocked, retryAfterS } = await lookups.recordFailure(clientIp, traceContext);
      if (blocked) throw new RateLimitError(`Too many failed authentication attempts from this address; try again in ${retryAfterS} s.`, retryAfterS!);
      throw err;
    }
  };

  return {
    async authenticate(req) {
      // Taken before the first await, which the proxy's trace context does not follow (its `asyncContext: false`).
      const traceContext = context.active();
      const clientIp = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustedProxies);
      const credential = presentedKey(req.headers);
      const principal =
        jwt && looksLikeJwt(credential)
          ? await verifyToken(credential, clientIp, traceContext)
          : await keys.get(hashKey(credential), { clientIp, prefix: keyPrefix(credential), traceContext });
      checkCredential(principal, { clientIp, roles: opts.roles, now: Date.now() });
      return principal;
    },
    invalidate(change) {
      keys.invalidate(change);
      jwt?.invalidate(change);
    },
    clear() {
      keys.clear();
      jwt?.clear();
    },
  };
}
