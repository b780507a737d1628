import type { RoutingDocument, RoutingStrategy } from '@aigw/config';
import type { Deployment, RequestClass } from '@aigw/contracts';

/** One deployment as a member of an alias. */
export interface Member {
  /** What the proxy is sent. */
  deployment: Deployment;
  /** Lower is tried first; ties in list order. */
  priority: number;
  /** Share of traffic under strategy `weighted`. */
  weight: number;
  /** The upstream account's limits, per minute. */
  capacity: { rpm?: number; tpm?: number };
  /** Largest prompt + completion the model takes, number of tokens. */
  contextWindow?: number;
  /** Labels such as `region: eu`. */
  tags: Readonly<Record<string, string>>;
}

/** One model alias, how it routes, and the deployments serving it. */
export interface CatalogueEntry {
  alias: string;
  strategy: RoutingStrategy;
  /** Never empty (the config schema requires a deployment per alias); lower `priority` first, ties in list order. */
  members: Member[];
  /** Aliases whose deployments follow this alias's own, in order. */
  fallbacks: string[];
  /** Strategy `auto`: deployment ids to prefer per request class, best first. */
  preferences: Partial<Record<RequestClass, string[]>>;
}

/** Model alias → entry. A Map, so that an alias such as `constructor` is never found on a prototype. */
export type Catalogue = ReadonlyMap<string, CatalogueEntry>;

/**
 * Resolves every alias of a routing document to its members: lower `priority` first, ties in list order (a
 * plain id has priority 0 and weight 1).
 */
export function buildCatalogue(doc: Pick<RoutingDocument, 'providers' | 'deployments' | 'models'>): Catalogue {
  const catalogue = new Map<string, CatalogueEntry>();
  for (const [alias, model] of Object.entries(doc.models)) {
    const refs = model.deployments.map((ref) => (typeof ref === 'string' ? { id: ref, priority: 0, weight: 1 } : ref));
    // Array#sort is stable, which keeps ties in list order.
    const ordered = [...refs].sort((a, b) => a.priority - b.priority);
    catalogue.set(alias, {
      alias,
      strategy: model.strategy,
      members: ordered.map(({ id, priority, weight }) => ({ ...resolveDeployment(doc, alias, id), priority, weight })),
      fallbacks: model.fallbacks,
      preferences: model.preferences ?? {},
    });
  }
  return catalogue;
}

function resolveDeployment(
  doc: Pick<RoutingDocument, 'providers' | 'deployments'>,
  alias: string,
  id: string,
): Omit<Member, 'priority' | 'weight'> {
  const deployment = Object.hasOwn(doc.deployments, id) ? doc.deployments[id] : undefined;
  const provider = deployment && Object.hasOwn(doc.providers, deployment.provider) ? doc.providers[deployment.provider] : undefined;
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
  if (provider.apiVersion !== undefined) resolved.apiVersion = provider.apiVersion;
  if (deployment.capabilities !== undefined) resolved.capabilities = deployment.capabilities;
  if (deployment.firstByteMs !== undefined) resolved.firstByteMs = deployment.firstByteMs;
  const member: Omit<Member, 'priority' | 'weight'> = { deployment: resolved, capacity: deployment.capacity ?? {}, tags: deployment.tags ?? {} };
  if (deployment.contextWindow !== undefined) member.contextWindow = deployment.contextWindow;
  return member;
}
