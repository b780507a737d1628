import type { Member } from '../catalogue';
import type { CapacityUse } from '../health/health-board';
import { sortBy, type Strategy } from './strategy';

/**
 * Share of the upstream's per-minute capacity still free, the tighter of requests and tokens (1 when the
 * deployment declares no capacity). Requests count as they start; tokens as estimated at the start and
 * reported at the end.
 */
export function headroom(member: Member, use: CapacityUse): number {
  const { rpm, tpm } = member.capacity;
  let free = 1;
  if (rpm) free = Math.min(free, 1 - use.requests / rpm);
  if (tpm) free = Math.min(free, 1 - use.tokens / tpm);
  return free;
}

/** Most free capacity first, so that load spreads in proportion to what each upstream account has left. */
export const capacityAware: Strategy = (members, { health, now }) =>
  sortBy(members, (m) => -headroom(m, health(m.deployment.id).use(now)));
