import { z } from 'zod';

/** `quota:` limits applied when a key has none of its own. */
export const QuotaSection = z
  .strictObject({
    defaults: z.strictObject({ rpm: z.number().int().positive().default(600) }).default({ rpm: 600 }),
  })
  .default({ defaults: { rpm: 600 } });
