import { z } from 'zod';
import { Subjects } from '../subjects';

/** Wire formats an upstream can speak; each has an adapter folder in `libs/providers`. */
export const ProviderKind = z.enum(['openai']);
export type ProviderKind = z.infer<typeof ProviderKind>;

/** One place a request can be sent. Credentials travel by reference (an env variable name), never by value. */
export const Deployment = z.object({
  /** Deployment id from config. */
  id: z.string().min(1),
  /** Provider id from config. */
  provider: z.string().min(1),
  kind: ProviderKind,
  /** Upstream base URL, e.g. `https://api.openai.com/v1`. */
  baseUrl: z.string().url(),
  /** Model name as the upstream knows it. */
  model: z.string().min(1),
  /** Name of the env variable holding the upstream credential, read by the proxy. */
  credentialEnv: z.string().optional(),
});
export type Deployment = z.infer<typeof Deployment>;

export const Route = {
  subject: Subjects.routerRoute,
  service: 'router',
  Request: z.object({
    /** Model alias the client asked for. */
    model: z.string().min(1),
  }),
  Response: z.object({
    alias: z.string(),
    /** Candidates in the order to try them. Never empty. */
    candidates: z.array(Deployment).min(1),
  }),
} as const;
export type RouteRequest = z.infer<typeof Route.Request>;
export type RouteResponse = z.infer<typeof Route.Response>;
