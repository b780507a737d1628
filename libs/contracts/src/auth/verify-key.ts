import { z } from 'zod';
import { Limits } from '../quota/limits';
import { Subjects } from '../subjects';

export const Role = z.enum(['client', 'finance', 'admin']);
export type Role = z.infer<typeof Role>;

/** Who is calling, as auth knows it. Never carries the secret. */
export const Principal = z.object({
  /** Stable key id, safe to log (`key_...`). */
  keyId: z.string().min(1),
  /** Owning tenant id. */
  tenantId: z.string().min(1),
  role: Role,
  /** Display form of the key, e.g. `sk-aigw-...abcd`. */
  keyPrefix: z.string(),
  /** The tenant's tier, naming a preset of limits in the quota config; none means the quota defaults. */
  tier: z.string().optional(),
  /** Limits set on this key; they override the tenant's and the tier's. */
  limits: Limits,
  /** Limits set on the tenant; they override the tier's. */
  tenantLimits: Limits.optional(),
  /** Model aliases this credential may use; `*` in an entry matches any characters. None: every model. */
  allowedModels: z.array(z.string().min(1)).optional(),
  /** When the credential stops working, number of milliseconds since the Unix epoch. None: never. */
  expiresAt: z.number().int().optional(),
  /** Client addresses (CIDR, IPv4 or IPv6) the key may be used from. None: any address. */
  ipAllowlist: z.array(z.string()).optional(),
  /** Client addresses (CIDR) the tenant's credentials may be used from; checked as well as `ipAllowlist`. */
  tenantIpAllowlist: z.array(z.string()).optional(),
  /** Free-form labels of the key (team, project, cost centre), as the admin API set them. */
  labels: z.record(z.string(), z.string()).optional(),
});
export type Principal = z.infer<typeof Principal>;

export const VerifyKey = {
  subject: Subjects.authVerifyKey,
  service: 'auth',
  Request: z.object({
    /** SHA-256 of the presented key, lowercase hex: the secret itself never crosses the bus. */
    keyHash: z.string().regex(/^[0-9a-f]{64}$/),
    /**
     * The caller's address as the edge resolved it: failed lookups are counted per address, and an
     * address over the limit is refused with `rate_limit_exceeded`. None: not counted.
     */
    clientIp: z.string().min(1).optional(),
    /**
     * The presented key's display form (`keyPrefix`: its first 7 and last 4 characters, never enough to
     * use it): failures are counted per prefix too, wherever they come from. None: not counted.
     */
    keyPrefix: z.string().min(1).max(32).optional(),
  }),
  Response: z.object({ principal: Principal }),
} as const;
export type VerifyKeyRequest = z.infer<typeof VerifyKey.Request>;
export type VerifyKeyResponse = z.infer<typeof VerifyKey.Response>;
