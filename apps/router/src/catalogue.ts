import type { GatewayConfig } from '@aigw/config';
import type { Deployment } from '@aigw/contracts';

/** One model alias and the deployments serving it, in the order to try them. */
export interface CatalogueEntry {
  alias: string;
  /** Never empty: the config schema requires a deployment per alias. */
  candidates: Deployment[];
}

/** Model alias → entry. A Map, so that an alias such as `constructor` is never found on a prototype. */
export type Catalogue = ReadonlyMap<string, CatalogueEntry>;

/**
 * Resolves every alias of the config to its candidate deployments: lower `priority` first, ties in list
 * order (a plain id has priority 0).
 */
export function buildCatalogue(config: Pick<GatewayConfig, 'providers' | 'deployments' | 'models'>): Catalogue {
  const catalogue = new Map<string, CatalogueEntry>();
  for (const [alias, model] of Object.entries(config.models)) {
    const refs = model.deployments.map((ref) => (typeof ref === 'string' ? { id: ref, priority: 0 } : ref));
    // Array#sort is stable, which keeps ties in list order.
    const ordered = [...refs].sort((a, b) => a.priority - b.priority);
    catalogue.set(alias, { alias, candidates: ordered.map(({ id }) => resolveDeployment(config, alias, id)) });
  }
  return catalogue;
}

function resolveDeployment(config: Pick<GatewayConfig, 'providers' | 'deployments'>, alias: string, id: string): Deployment {
  const deployment = config.deployments[id];
  const provider = deployment && config.providers[deployment.provider];
  if (!deployment || !provider) {
    throw new Error(`model '${alias}' names deployment '${id}', which the config does not define with a known provider`);
  }
  const resolved: Deployment = {
    id,
    provider: deployment.provider,
    kind: provider.kind,
    baseUrl: provider.baseUrl,
    model: deployment.model,
  };
  if (provider.credentialEnv !== undefined) resolved.credentialEnv = provider.credentialEnv;
  return resolved;
}
