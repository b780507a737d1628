import { z } from 'zod';
import { Limits } from '../quota/limits';
import { Identifier } from '../identifiers';
import { Subjects } from '../subjects';

/** A tenant as auth knows it: an organisation that owns keys. */
export const Tenant = z.object({
  tenantId: z.string().min(1),
  /** Display name. */
  name: z.string(),
  /** Tier naming a preset of limits in the quota config; none means the quota defaults. */
  tier: z.string().optional(),
  /** Limits set on the tenant; they override the tier's. */
  limits: Limits,
  /** Client addresses (CIDR, IPv4 or IPv6) the tenant's credentials may be used from. None: any address. */
  ipAllowlist: z.array(z.string()).optional(),
});
export type Tenant = z.infer<typeof Tenant>;

export const GetTenant = {
  subject: Subjects.authGetTenant,
  service: 'auth',
  Request: z.object({ tenantId: Identifier }),
  /** Unknown tenant: `not_found`. */
  Response: z.object({ tenant: Tenant }),
} as const;
