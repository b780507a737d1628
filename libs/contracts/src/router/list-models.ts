import { z } from 'zod';
import { Subjects } from '../subjects';

export const ListModels = {
  subject: Subjects.routerListModels,
  service: 'router',
  Request: z.object({}),
  Response: z.object({
    models: z.array(
      z.object({
        /** Model alias clients use. */
        id: z.string(),
        /** Unix time the alias was configured, number of seconds. */
        created: z.number().int(),
        /** Who serves it, e.g. the first deployment's provider. */
        ownedBy: z.string(),
      }),
    ),
  }),
} as const;
export type ListModelsResponse = z.infer<typeof ListModels.Response>;
/** One model alias the gateway serves, as the router lists it. */
export type ListedModel = ListModelsResponse['models'][number];
