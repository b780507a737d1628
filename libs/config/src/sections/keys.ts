import { z } from 'zod';
import { Role } from '@aigw/contracts';
import { id } from './common';

/** `keys:` seed keys; only the hash of each secret is stored. */
export const KeySection = z
  .array(
    z.strictObject({
      id,
      tenant: id,
      role: Role.default('client'),
      /** Env variable holding the plain key; only its hash is stored. */
      secretEnv: z.string().min(1),
      /** Requests per minute for this key, overriding quota.defaults.rpm. */
      rpm: z.number().int().positive().optional(),
    }),
  )
  .default([]);
