import { z } from 'zod';
import { ProviderKind } from '@aigw/contracts';
import { id } from './common';

/** `providers:` where requests can go. */
export const ProviderSection = z.record(
  id,
  z.strictObject({
    kind: ProviderKind,
    /** Base URL of the upstream API, e.g. `https://api.openai.com/v1`. */
    baseUrl: z.string().url(),
    /** Env variable holding the upstream credential. */
    credentialEnv: z.string().optional(),
  }),
);

/** `deployments:` a model at a provider. */
export const DeploymentSection = z.record(
  id,
  z.strictObject({
    provider: id,
    /** Model name as the upstream knows it. */
    model: z.string().min(1),
  }),
);

/** `models:` the aliases clients ask for. */
export const ModelSection = z.record(
  z.string().min(1),
  z.strictObject({
    /** Deployments serving this alias; lower priority is tried first, ties in list order. */
    deployments: z
      .array(z.union([id, z.strictObject({ id, priority: z.number().int().default(0) })]))
      .min(1, 'an alias needs at least one deployment'),
  }),
);
