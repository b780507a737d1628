import type { RoutingStrategy } from '@aigw/config';
import { classPreference } from './auto';
import { capacityAware } from './capacity';
import { costAware } from './cost';
import { latencyAware } from './latency';
import { leastInFlight } from './least-in-flight';
import { smoothWeighted } from './smooth-weighted';
import type { Strategy } from './strategy';

/** Every strategy by its config name; a `Record`, so a strategy named in config but not built fails to compile. */
export const strategies: Readonly<Record<RoutingStrategy, Strategy>> = {
  priority: (members) => [...members],
  weighted: smoothWeighted,
  latency: latencyAware,
  'least-in-flight': leastInFlight,
  cost: costAware,
  capacity: capacityAware,
  auto: classPreference,
};

export { headroom } from './capacity';
export { newAliasState, type AliasState, type StrategyContext } from './strategy';
