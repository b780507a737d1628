import { z } from 'zod';

/** Ids used in config: deployments, providers, keys, tenants, tiers. */
export const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'use letters, digits, ".", "_", ":" or "-"');
