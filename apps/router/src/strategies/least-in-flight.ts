import type { Strategy } from './strategy';

/**
 * Fewest attempts in flight first (every proxy's, from the attempt reports, plus this replica's decisions
 * whose attempt has not started yet). Ties rotate from one decision to the next, so that idle members share
 * the traffic instead of the first in the list taking it all.
 */
export const leastInFlight: Strategy = (members, { health, state }) => {
  const offset = state.decisions++ % members.length;
  const load = members.map((m, i) => ({ m, n: health(m.deployment.id).inFlight(), turn: (i - offset + members.length) % members.length }));
  load.sort((a, b) => a.n - b.n || a.turn - b.turn);
  return load.map(({ m }) => m);
};
