import type { Context } from '@opentelemetry/api';
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { JwtIssuerConfig } from '@aigw/config';
import {
  ErrorCode,
  GatewayError,
  hashKey,
  InvalidApiKeyError,
  isIdentifier,
  ServiceUnavailableError,
  type KeysChanged,
  type Principal,
  type Role,
  type Tenant,
} from '@aigw/contracts';

/** Shortest HS256 secret accepted, number of bytes: RFC 7518 §3.2 asks for a key at least as long as the hash. */
const MIN_HMAC_SECRET_BYTES = 32;
/** Least time between two JWKS fetches triggered by an unknown `kid`, number of milliseconds. */
const JWKS_COOLDOWN_MS = 30_000;
/** Deadline of one JWKS fetch, number of milliseconds. */
const JWKS_TIMEOUT_MS = 5_000;
/** Roles from the least to the most privileged, to pick one when a token maps to several. */
const PRIVILEGE: readonly Role[] = ['client', 'finance', 'admin'];

/** What a JWT failure tells the client: what is wrong, never the token. */
const REASONS: Readonly<Record<string, string>> = {
  [joseErrors.JWTExpired.code]: 'it has expired',
  [joseErrors.JWTClaimValidationFailed.code]: 'a claim is not acceptable (issuer, audience, not-before or a required claim)',
  [joseErrors.JWSSignatureVerificationFailed.code]: 'its signature does not verify',
  [joseErrors.JOSEAlgNotAllowed.code]: 'its algorithm is not accepted',
  [joseErrors.JWKSNoMatchingKey.code]: 'no key of the issuer matches it',
  [joseErrors.JWTInvalid.code]: 'it is malformed',
  [joseErrors.JWSInvalid.code]: 'it is malformed',
};

/** Failures of the issuer's key set endpoint: the gateway cannot decide, so the caller is not to blame. */
const KEY_SET_UNAVAILABLE = new Set<string>([joseErrors.JWKSTimeout.code, joseErrors.JWKSInvalid.code, joseErrors.JOSEError.code]);

interface Issuer {
  id: string;
  config: JwtIssuerConfig;
  key: Uint8Array | JWTVerifyGetKey;
}

interface Entry {
  principal: Promise<Principal>;
  /** When the entry stops being used: the token's expiry once verified, number of milliseconds since the epoch. */
  expiresAt: number;
  /** The token's tenant once verified. */
  tenantId?: string;
}

export interface JwtAuthenticatorOptions {
  /** The config's `auth.jwtIssuers`. */
  issuers: Readonly<Record<string, JwtIssuerConfig>>;
  /** Where each issuer's `secretEnv` is looked up. */
  secrets: Readonly<Record<string, string | undefined>>;
  /** A tenant's tier, limits and addresses, from auth (`GetTenant`), in the trace of the request that presented the token. */
  fetchTenant: (tenantId: string, traceContext?: Context) => Promise<Tenant>;
  /** Most tokens remembered; the oldest entry goes first. */
  maxEntries: number;
  /** How long a tenant's settings are reused before auth is asked again, number of milliseconds. */
  tenantTtlMs: number;
}

/** A claim by name, or by a dotted path into nested claims when no claim has the whole name. */
function claim(payload: JWTPayload, path: string): unknown {
  if (path in payload) return payload[path];
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function roleOf(config: JwtIssuerConfig, value: unknown): Role {
  const values = Array.isArray(value) ? value : [value];
  const mapped = values.flatMap((v) => (typeof v === 'string' && Object.hasOwn(config.roles, v) ? [config.roles[v]!] : []));
  if (mapped.length === 0) return config.defaultRole;
  return mapped.reduce((best, r) => (PRIVILEGE.indexOf(r) > PRIVILEGE.indexOf(best) ? r : best));
}

/**
 * Verifies JWT bearer tokens in the proxy itself, with `jose`: HS256 against a shared secret, RS256 /
 * ES256 against the issuer's JWKS (fetched on first use, kept `jwksMaxAgeS`, refetched early when a
 * token names an unknown `kid`). Issuer, audience, algorithm and expiry are checked, within the issuer's
 * clock skew. Verifying here keeps tokens off the bus and costs one signature check per token per
 * replica: principals are cached by the token's hash until the token expires, and a tenant change
 * announced by auth drops the tenant's tokens.
 */
export class JwtAuthenticator {
  readonly #issuers = new Map<string, Issuer>();
  readonly #tokens = new Map<string, Entry>();
  readonly #tenants = new Map<string, { tenant: Promise<Tenant>; expiresAt: number }>();
  readonly #opts: JwtAuthenticatorOptions;

  constructor(opts: JwtAuthenticatorOptions) {
    this.#opts = opts;
    for (const [id, config] of Object.entries(opts.issuers)) {
      this.#issuers.set(config.issuer, { id, config, key: keyOf(id, config, opts.secrets) });
    }
  }

  /** The principal behind a token; `InvalidApiKeyError` (401) for any token that does not verify. */
  verify(token: string, traceContext?: Context): Promise<Principal> {
    const tokenHash = hashKey(token);
    const now = Date.now();
    const hit = this.#tokens.get(tokenHash);
    if (hit && hit.expiresAt > now) return hit.principal;
    if (hit) this.#tokens.delete(tokenHash);
    const entry: Entry = { principal: this.#verify(token, traceContext), expiresAt: Number.POSITIVE_INFINITY };
    entry.principal.then(
      (p) => {
        entry.expiresAt = p.expiresAt!;
        entry.tenantId = p.tenantId;
      },
      () => {
        if (this.#tokens.get(tokenHash) === entry) this.#tokens.delete(tokenHash);
      },
    );
    if (this.#tokens.size >= this.#opts.maxEntries) this.#evict(now);
    this.#tokens.set(tokenHash, entry);
    return entry.principal;
  }

  /** Drops what a change made stale: a tenant's settings, and every token principal of that tenant. */
  invalidate(change: KeysChanged): void {
    if (change.reason !== 'tenant-updated') return;
    this.#tenants.delete(change.tenantId);
    for (const [hash, entry] of this.#tokens) {
      if (entry.tenantId === undefined || entry.tenantId === change.tenantId) this.#tokens.delete(hash);
    }
  }

  /** Drops everything: events may have been missed. */
  clear(): void {
    this.#tokens.clear();
    this.#tenants.clear();
  }

  async #verify(token: string, traceContext: Context | undefined): Promise<Principal> {
    let issuerClaim: unknown;
    try {
      issuerClaim = decodeJwt(token).iss;
    } catch {
      throw invalid('it is malformed');
    }
    const issuer = typeof issuerClaim === 'string' ? this.#issuers.get(issuerClaim) : undefined;
    if (!issuer) throw invalid('its issuer is not accepted');
    const { config } = issuer;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, issuer.key as JWTVerifyGetKey, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: config.algorithms,
        clockTolerance: config.clockSkewS,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      // Anything but a JOSE error (a refused connection, a DNS failure) comes from fetching the key set.
      const code = err instanceof joseErrors.JOSEError ? err.code : undefined;
      if (code !== undefined && REASONS[code]) throw invalid(REASONS[code]);
      if (code === undefined || KEY_SET_UNAVAILABLE.has(code)) {
        throw new ServiceUnavailableError('auth', `The key set of the token issuer '${issuer.id}' could not be fetched.`, { cause: err });
      }
      throw invalid('it could not be verified');
    }

    const exp = payload.exp as number;
    const nowS = Math.floor(Date.now() / 1000);
    // From when it was issued, or from now for a token that claims to be issued later (or says nothing).
    const lifetimeS = exp - Math.min(typeof payload.iat === 'number' ? payload.iat : nowS, nowS);
    if (lifetimeS > config.maxLifetimeS) throw invalid(`it is valid for longer than the ${config.maxLifetimeS} s its issuer's tokens may be`);
    const tenantId = claim(payload, config.claims.tenant);
    const subject = claim(payload, config.claims.subject);
    if (typeof tenantId !== 'string' || !isIdentifier(tenantId)) throw invalid(`its claim '${config.claims.tenant}' does not name a tenant`);
    if (typeof subject !== 'string' || !isIdentifier(subject)) throw invalid(`its claim '${config.claims.subject}' does not name a subject`);
    const tier = config.claims.tier === undefined ? undefined : claim(payload, config.claims.tier);
    if (tier !== undefined && (typeof tier !== 'string' || !isIdentifier(tier))) throw invalid(`its claim '${config.claims.tier}' does not name a tier`);
    const models = config.claims.models === undefined ? undefined : claim(payload, config.claims.models);
    const tenant = await this.#tenant(tenantId, traceContext);
    return {
      keyId: `jwt:${issuer.id}:${subject}`,
      tenantId,
      role: roleOf(config, config.claims.role === undefined ? undefined : claim(payload, config.claims.role)),
      keyPrefix: `jwt:${issuer.id}`,
      tier: tier ?? tenant.tier,
      limits: {},
      tenantLimits: tenant.limits,
      allowedModels: Array.isArray(models) ? models.filter((m): m is string => typeof m === 'string' && isIdentifier(m)) : undefined,
      // The token is accepted until its expiry plus the allowed skew, so the cached principal must be as well.
      expiresAt: ((payload.exp as number) + config.clockSkewS) * 1000,
      tenantIpAllowlist: tenant.ipAllowlist,
    };
  }

  #tenant(tenantId: string, traceContext: Context | undefined): Promise<Tenant> {
    const now = Date.now();
    const hit = this.#tenants.get(tenantId);
    if (hit && hit.expiresAt > now) return hit.tenant;
    const tenant = this.#opts.fetchTenant(tenantId, traceContext).catch((err: unknown) => {
      if (this.#tenants.get(tenantId)?.tenant === tenant) this.#tenants.delete(tenantId);
      if (err instanceof GatewayError && err.code === ErrorCode.NotFound) {
        throw invalid(`its tenant '${tenantId}' is not known to the gateway`);
      }
      throw err;
    });
    this.#tenants.set(tenantId, { tenant, expiresAt: now + this.#opts.tenantTtlMs });
    return tenant;
  }

  #evict(now: number): void {
    for (const [hash, entry] of this.#tokens) if (entry.expiresAt <= now) this.#tokens.delete(hash);
    for (const hash of this.#tokens.keys()) {
      if (this.#tokens.size < this.#opts.maxEntries) break;
      this.#tokens.delete(hash);
    }
  }
}

function invalid(reason: string): InvalidApiKeyError {
  return new InvalidApiKeyError(`The bearer token is not valid: ${reason}.`);
}

function keyOf(id: string, config: JwtIssuerConfig, secrets: Readonly<Record<string, string | undefined>>): Uint8Array | JWTVerifyGetKey {
  if (config.jwksUrl) {
    return createRemoteJWKSet(new URL(config.jwksUrl), {
      cacheMaxAge: config.jwksMaxAgeS * 1000,
      cooldownDuration: JWKS_COOLDOWN_MS,
      timeoutDuration: JWKS_TIMEOUT_MS,
    });
  }
  const secret = secrets[config.secretEnv!];
  if (!secret) throw new Error(`auth.jwtIssuers.${id}: the variable ${config.secretEnv} holding its HS256 secret is not set`);
  const bytes = new TextEncoder().encode(secret);
  if (bytes.length < MIN_HMAC_SECRET_BYTES) {
    throw new Error(`auth.jwtIssuers.${id}: the HS256 secret in ${config.secretEnv} is shorter than ${MIN_HMAC_SECRET_BYTES} bytes`);
  }
  return bytes;
}
