import type { RoutingSection } from '@aigw/config';
import type { RequestClass, RouteFeatures } from '@aigw/contracts';
import type { PriceTable } from '@aigw/pricing';
import type { Member } from '../catalogue';
import type { DeploymentHealth } from '../health/health-board';

/** What a strategy may consult besides the members it orders. */
export interface StrategyContext {
  features: RouteFeatures;
  /** The class of the request (strategy `auto`). */
  requestClass: RequestClass;
  preferences: Partial<Record<RequestClass, string[]>>;
  health(deploymentId: string): DeploymentHealth;
  settings: RoutingSection;
  prices: PriceTable;
  /** The alias's own state, kept between decisions (weighted round-robin, exploration). */
  state: AliasState;
  now: number;
}

export interface AliasState {
  /** Smooth weighted round-robin: current weight per deployment id. */
  currentWeights: Map<string, number>;
  /** Decisions made for the alias so far. */
  decisions: number;
}

export const newAliasState = (): AliasState => ({ currentWeights: new Map(), decisions: 0 });

/**
 * Orders an alias's usable deployments (given in priority order, never empty) for one request: the first
 * is where the request goes, the rest are its retries in order. Returns every member it was given.
 */
export type Strategy = (members: readonly Member[], ctx: StrategyContext) => Member[];

/** Sorts stably by `key` ascending; members with an undefined key keep their order after the others. */
export function sortBy(members: readonly Member[], key: (m: Member) => number | undefined): Member[] {
  const keyed = members.map((m, i) => ({ m, i, k: key(m) }));
  keyed.sort((a, b) => {
    if (a.k === undefined || b.k === undefined) return a.k === b.k ? a.i - b.i : a.k === undefined ? 1 : -1;
    return a.k - b.k || a.i - b.i;
  });
  return keyed.map(({ m }) => m);
}
