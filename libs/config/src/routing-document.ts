import { z } from 'zod';
import { ConfigError, describeIssues } from './env';
import type { GatewayConfig } from './gateway-config';
import { RoutingSection } from './sections/routing';
import { DeploymentSection, ModelSection, ProviderSection } from './sections/upstreams';

/**
 * The part of the gateway config that can change while the gateway runs: where requests go and how the
 * router chooses. It is what the router keeps in NATS KV (bucket `aigw-routing`, key `config`), seeded from
 * the config file; the same section schemas validate both.
 */
export const RoutingDocumentSchema = z
  .strictObject({
    providers: ProviderSection,
    deployments: DeploymentSection,
    models: ModelSection,
    routing: RoutingSection,
  })
  .superRefine((doc, ctx) => {
    for (const [name, d] of Object.entries(doc.deployments)) {
      if (!Object.hasOwn(doc.providers, d.provider)) {
        ctx.addIssue({ code: 'custom', path: ['deployments', name, 'provider'], message: `unknown provider '${d.provider}'` });
      }
    }
    for (const [alias, m] of Object.entries(doc.models)) {
      m.deployments.forEach((ref, i) => {
        const depId = typeof ref === 'string' ? ref : ref.id;
        if (!Object.hasOwn(doc.deployments, depId)) {
          ctx.addIssue({ code: 'custom', path: ['models', alias, 'deployments', i], message: `unknown deployment '${depId}'` });
        }
      });
    }
  });
export type RoutingDocument = z.output<typeof RoutingDocumentSchema>;

/** Validates a routing document (e.g. a KV value); `source` names it in the error, which lists every problem. */
export function parseRoutingDocument(value: unknown, source: string): RoutingDocument {
  const result = RoutingDocumentSchema.safeParse(value);
  if (!result.success) throw new ConfigError(source, describeIssues(result.error));
  return result.data;
}

/** The routing document of a loaded config file. */
export function routingDocumentOf(config: Pick<GatewayConfig, 'providers' | 'deployments' | 'models' | 'routing'>): RoutingDocument {
  return parseRoutingDocument(
    { providers: config.providers, deployments: config.deployments, models: config.models, routing: config.routing },
    'the config file',
  );
}
