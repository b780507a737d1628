import type { Member } from '../catalogue';
import type { Strategy } from './strategy';

/**
 * Smooth weighted round-robin, as nginx does it: every member gains its weight, the one with the most goes
 * first and gives back the total. Weights 5:3 give A B A A B A B A, never a burst to one member; the split
 * over any `Σ weights` consecutive decisions is exact. The rest follow in priority order.
 */
export const smoothWeighted: Strategy = (members, { state }) => {
  let total = 0;
  let best: Member | undefined;
  let bestWeight = -Infinity;
  for (const member of members) {
    const id = member.deployment.id;
    const current = (state.currentWeights.get(id) ?? 0) + member.weight;
    state.currentWeights.set(id, current);
    total += member.weight;
    if (current > bestWeight) {
      best = member;
      bestWeight = current;
    }
  }
  state.currentWeights.set(best!.deployment.id, bestWeight - total);
  return [best!, ...members.filter((m) => m !== best)];
};
