import { z } from 'zod';
import { ProviderKind, RequestClass } from '@aigw/contracts';
import { id } from './common';
import { DeploymentCapabilitiesConfig, ProviderApiVersion } from './provider-options';

/** `providers:` where requests can go. */
export const ProviderSection = z.record(
  id,
  z.strictObject({
    kind: ProviderKind,
    /** Base URL of the upstream API, e.g. `https://api.openai.com/v1`. */
    baseUrl: z
      .string()
      .url()
      .refine((url) => /^https?:\/\//.test(url), 'use an http:// or https:// URL'),
    /** Env variable holding the upstream credential. */
    credentialEnv: z.string().optional(),
    apiVersion: ProviderApiVersion,
  }),
);

/** `deployments:` a model at a provider. */
export const DeploymentSection = z.record(
  id,
  z.strictObject({
    provider: id,
    /** Model name as the upstream knows it. */
    model: z.string().min(1),
    capabilities: DeploymentCapabilitiesConfig,
    /** Labels such as `region: eu`; a request that requires tags (Route `features.tags`) only goes where they match. */
    tags: z.record(z.string().min(1), z.string()).optional(),
    /** The upstream account's own limits: the router routes away before they are reached. */
    capacity: z
      .strictObject({
        /** Requests per minute. */
        rpm: z.number().int().positive().optional(),
        /** Tokens (prompt + completion) per minute. */
        tpm: z.number().int().positive().optional(),
      })
      .optional(),
    /** Largest prompt + completion the model takes, number of tokens; a bigger request goes elsewhere first. */
    contextWindow: z.number().int().positive().optional(),
    /**
     * How long an attempt may wait for the upstream's first byte, number of milliseconds: a stream's first
     * chunk, or a non-stream answer's headers. Past it the attempt is a timeout and the next candidate is
     * tried. Unset: `UPSTREAM_FIRST_BYTE_TIMEOUT_MS` for streams, and for non-stream answers only the
     * headers timeout, since a provider sends them when the whole completion is done: set it where answers
     * are short (embeddings, small completions) to fail over from a hung upstream in seconds.
     */
    firstByteMs: z.number().int().positive().optional(),
  }),
);

/** How an alias orders its deployments; see apps/router/README.md. */
export const RoutingStrategy = z.enum(['priority', 'weighted', 'latency', 'least-in-flight', 'cost', 'capacity', 'auto']);
export type RoutingStrategy = z.infer<typeof RoutingStrategy>;

const DeploymentRef = z.union([
  id,
  z.strictObject({
    id,
    /** Lower is tried first (strategy `priority`, and the order of the rest after any strategy's pick). */
    priority: z.number().int().default(0),
    /** Share of traffic under strategy `weighted`, relative to the alias's other deployments. */
    weight: z.number().int().positive().default(1),
  }),
]);

/** `models:` the aliases clients ask for. */
export const ModelSection = z
  .record(
    z.string().min(1),
    z.strictObject({
      strategy: RoutingStrategy.default('priority'),
      /** Deployments serving this alias; lower priority is tried first, ties in list order. */
      deployments: z.array(DeploymentRef).min(1, 'an alias needs at least one deployment'),
      /** Aliases whose deployments are tried, in this order, after this alias's own. */
      fallbacks: z.array(z.string().min(1)).default([]),
      /** Strategy `auto`: per request class, the alias's deployments to prefer, best first. */
      preferences: z.partialRecord(RequestClass, z.array(id).min(1)).optional(),
    }),
  )
  .superRefine((models, ctx) => {
    for (const [alias, model] of Object.entries(models)) {
      const own = new Set(model.deployments.map((ref) => (typeof ref === 'string' ? ref : ref.id)));
      model.fallbacks.forEach((fallback, i) => {
        if (fallback === alias) ctx.addIssue({ code: 'custom', path: [alias, 'fallbacks', i], message: 'an alias cannot fall back to itself' });
        else if (!Object.hasOwn(models, fallback)) ctx.addIssue({ code: 'custom', path: [alias, 'fallbacks', i], message: `unknown alias '${fallback}'` });
      });
      if (model.preferences && model.strategy !== 'auto') {
        ctx.addIssue({ code: 'custom', path: [alias, 'preferences'], message: "preferences apply to strategy 'auto' only" });
      }
      for (const [cls, ids] of Object.entries(model.preferences ?? {})) {
        ids.forEach((depId, i) => {
          if (!own.has(depId)) {
            ctx.addIssue({ code: 'custom', path: [alias, 'preferences', cls, i], message: `'${depId}' is not a deployment of this alias` });
          }
        });
      }
      const cycle = fallbackCycle(models, alias);
      if (cycle) ctx.addIssue({ code: 'custom', path: [alias, 'fallbacks'], message: `fallbacks loop: ${cycle.join(' → ')}` });
    }
  });
export type ModelSection = z.output<typeof ModelSection>;

/** A chain of fallbacks that leads from `alias` back to itself, if there is one. */
function fallbackCycle(models: Readonly<Record<string, { fallbacks: string[] }>>, alias: string): string[] | undefined {
  const walk = (current: string, path: string[]): string[] | undefined => {
    for (const next of models[current]?.fallbacks ?? []) {
      // Self-references are reported on their own; only longer loops are found here.
      if (next === current) continue;
      if (next === alias) return [...path, next];
      if (path.includes(next)) continue;
      const found = walk(next, [...path, next]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(alias, [alias]);
}
