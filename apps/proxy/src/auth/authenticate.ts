import type { IncomingMessage } from 'node:http';
import type { NatsConnection } from '@nats-io/transport-node';
import { context, type Context } from '@opentelemetry/api';
import { subscribeBroadcast, type BusClient } from '@aigw/bus';
import type { AuthConfig } from '@aigw/config';
import {
  addressSet,
  checkCredential,
  clientAddress,
  ErrorCode,
  GatewayError,
  GetTenant,
  hashKey,
  KeysChangedEvent,
  looksLikeJwt,
  RateLimitError,
  RecordAuthFailure,
  VerifyKey,
  type Principal,
  type Role,
} from '@aigw/contracts';
import type { Logger } from '@aigw/telemetry';
import { presentedKey } from './credential';
import { JwtAuthenticator } from './jwt-authenticator';
import { PrincipalCache } from './principal-cache';

/** Who is calling, and whether they may call the proxy from where they are. */
export type Authenticate = (req: IncomingMessage) => Promise<Principal>;

/** The proxy serves inference; `admin` may use it too (checkCredential lets admin through everywhere). */
const PROXY_ROLES: readonly Role[] = ['client'];

export interface AuthenticatorOptions {
  /** How long a verified key is trusted without asking auth again, number of milliseconds. */
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
  logger: Logger;
}

/**
 * Authenticates every request: the client address (socket, or `X-Forwarded-For` through trusted proxies
 * only), then the credential. A gateway key's hash is looked up by auth (the secret never crosses the
 * bus) through a cache; a JWT is verified here. Then expiry, role and address allowlists are checked on
 * every request, cached or not. Auth's `keys-changed` announcements drop cache entries at once, so a
 * revocation reaches every replica within a NATS round trip.
 */
export function createAuthenticator(bus: BusClient, nc: NatsConnection, opts: AuthenticatorOptions): Authenticate {
  const maxEntries = opts.maxEntries ?? 10_000;
  const keys = new PrincipalCache(async (keyHash, clientIp) => (await bus.request(VerifyKey, { keyHash, clientIp })).principal, {
    ttlMs: opts.ttlMs,
    negativeTtlMs: Math.min(opts.ttlMs, 1_000),
    maxEntries,
    staleIfErrorMs: opts.staleIfErrorMs,
    onStale: opts.onStale,
  });
  const issuers = opts.auth?.jwtIssuers ?? {};
  const jwt = Object.keys(issuers).length
    ? new JwtAuthenticator({
        issuers,
        secrets: opts.secrets,
        fetchTenant: async (tenantId, traceContext) => (await bus.request(GetTenant, { tenantId }, { context: traceContext })).tenant,
        maxEntries,
        tenantTtlMs: opts.ttlMs,
      })
    : undefined;
  const trustedProxies = opts.auth?.trustedProxies.length ? addressSet(opts.auth.trustedProxies) : undefined;

  subscribeBroadcast(
    nc,
    KeysChangedEvent,
    {
      onEvent: (change) => {
        keys.invalidate(change);
        jwt?.invalidate(change);
      },
      onResync: () => {
        keys.clear();
        jwt?.clear();
      },
    },
    opts.logger,
  );

  /** A token that failed here counts against the caller's address in auth, like an unknown key does there. */
  const verifyToken = async (token: string, clientIp: string, traceContext: Context): Promise<Principal> => {
    try {
      return await jwt!.verify(token, traceContext);
    } catch (err) {
      if (!(err instanceof GatewayError) || err.code !== ErrorCode.InvalidApiKey) throw err;
      const { blocked, retryAfterS } = await bus.request(RecordAuthFailure, { clientIp }, { context: traceContext });
      if (blocked) throw new RateLimitError(`Too many failed authentication attempts from this address; try again in ${retryAfterS} s.`, retryAfterS!);
      throw err;
    }
  };

  return async (req) => {
    // Taken before the first await, which the proxy's trace context does not follow (its `asyncContext: false`).
    const traceContext = context.active();
    const clientIp = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustedProxies);
    const credential = presentedKey(req.headers);
    const principal = jwt && looksLikeJwt(credential) ? await verifyToken(credential, clientIp, traceContext) : await keys.get(hashKey(credential), clientIp);
    checkCredential(principal, { clientIp, roles: PROXY_ROLES, now: Date.now() });
    return principal;
  };
}
