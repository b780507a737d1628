import { z } from 'zod';
import { parseCidr, Role } from '@aigw/contracts';
import { id } from './common';

/** A CIDR block (`10.0.0.0/8`, `2001:db8::/32`) or a single address. */
export const CidrText = z.string().refine((s) => parseCidr(s) !== undefined, 'not an IPv4 or IPv6 address or CIDR block');

/** Signature algorithms a JWT issuer may use: HS256 with a shared secret, RS256 / ES256 with a JWKS. */
export const JwtAlgorithm = z.enum(['HS256', 'RS256', 'ES256']);
export type JwtAlgorithm = z.infer<typeof JwtAlgorithm>;

/** Where each principal field is read from in a token's claims: a claim name, or a dotted path into nested claims. */
const ClaimMapping = z.strictObject({
  /** Claim naming the tenant; the tenant must exist in auth. */
  tenant: z.string().min(1).default('tenant'),
  /** Claim naming the subject (user, service); the principal's key id is `jwt:<issuer id>:<subject>`. */
  subject: z.string().min(1).default('sub'),
  /** Claim holding the role; its value goes through `roles`. None: every token has `defaultRole`. */
  role: z.string().min(1).optional(),
  /** Claim naming the tier; none: the tenant's tier. */
  tier: z.string().min(1).optional(),
  /** Claim holding the allowed model aliases (an array of globs); none: every model. */
  models: z.string().min(1).optional(),
});

/** One identity provider whose tokens the gateway accepts. */
const JwtIssuer = z
  .strictObject({
    /** The `iss` claim its tokens carry, exactly. */
    issuer: z.string().min(1),
    /** Accepted `aud` values; a token must name one of them. */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** Accepted algorithms; the others are refused, `none` always is. */
    algorithms: z.array(JwtAlgorithm).min(1),
    /** Env variable holding the HS256 shared secret (at least 32 bytes). */
    secretEnv: z.string().min(1).optional(),
    /** URL of the issuer's JSON Web Key Set, for RS256 / ES256. */
    jwksUrl: z.string().url().optional(),
    /** How long fetched keys are used before the set is fetched again, number of seconds. An unknown `kid` refetches sooner. */
    jwksMaxAgeS: z.number().int().positive().default(600),
    /**
     * Longest a token may be valid, from its `iat` (or from now) to its `exp`, number of seconds; a token
     * good for longer (a year, a century) is refused, since a stolen one could not be made to expire.
     */
    maxLifetimeS: z.number().int().positive().max(366 * 24 * 60 * 60).default(24 * 60 * 60),
    /** Largest difference accepted between the issuer's clock and ours for `exp`, `nbf`, `iat`, number of seconds. */
    clockSkewS: z.number().int().min(0).max(300).default(30),
    claims: ClaimMapping.default({ tenant: 'tenant', subject: 'sub' }),
    /** Role claim values and the gateway role each maps to; a value not listed gets `defaultRole`. */
    roles: z.record(z.string(), Role).default({}),
    defaultRole: Role.default('client'),
  })
  .superRefine((issuer, ctx) => {
    const hmac = issuer.algorithms.includes('HS256');
    const asymmetric = issuer.algorithms.some((a) => a !== 'HS256');
    if (hmac && asymmetric) {
      ctx.addIssue({ code: 'custom', path: ['algorithms'], message: 'HS256 and RS256/ES256 cannot share an issuer: a public key must never be usable as an HMAC secret' });
    }
    if (hmac && !issuer.secretEnv) ctx.addIssue({ code: 'custom', path: ['secretEnv'], message: 'HS256 needs secretEnv' });
    if (asymmetric && !issuer.jwksUrl) ctx.addIssue({ code: 'custom', path: ['jwksUrl'], message: 'RS256 and ES256 need jwksUrl' });
    if (issuer.secretEnv && !hmac) ctx.addIssue({ code: 'custom', path: ['secretEnv'], message: 'secretEnv is only for HS256' });
    if (issuer.jwksUrl && !asymmetric) ctx.addIssue({ code: 'custom', path: ['jwksUrl'], message: 'jwksUrl is only for RS256 / ES256' });
  });
export type JwtIssuerConfig = z.output<typeof JwtIssuer>;

/** `auth:` how credentials are checked at the edge. */
export const AuthSection = z
  .strictObject({
    /**
     * Peers whose `X-Forwarded-For` is believed (load balancers in front of the gateway), as CIDR blocks.
     * Requests from any other peer are attributed to the socket address, whatever header they send.
     */
    trustedProxies: z.array(CidrText).default([]),
    /** Failed authentications per client address before it is refused with 429, and the window they count in. */
    failedAuth: z
      .strictObject({
        limit: z.number().int().positive().default(20),
        windowS: z.number().int().positive().default(60),
      })
      .default({ limit: 20, windowS: 60 }),
    /** Identity providers whose JWT bearer tokens are accepted, by an id of our choosing. */
    jwtIssuers: z.record(id, JwtIssuer).default({}),
  })
  .default({ trustedProxies: [], failedAuth: { limit: 20, windowS: 60 }, jwtIssuers: {} });
export type AuthConfig = z.output<typeof AuthSection>;
