import type { Member } from '../catalogue';
import { sortBy, type Strategy } from './strategy';

/**
 * Fastest first by the moving average of time to first token (streams) or of total latency (the rest).
 * A member never measured goes first while nothing is in flight to it, so each new or reset deployment is
 * measured by one request rather than flooded; while that request runs it comes after the measured ones.
 * A share `latency.exploration` of decisions puts the member heard from least recently (other than the
 * fastest) first instead, so that a deployment that was slow or idle is measured again and, once fast,
 * wins its traffic back.
 */
export const latencyAware: Strategy = (members, { features, health, settings, state }) => {
  const score = (m: Member) => {
    const h = health(m.deployment.id);
    const measured = features.stream === false ? (h.latencyMs ?? h.ttftMs) : (h.ttftMs ?? h.latencyMs);
    return measured ?? (h.inFlight() === 0 ? -Infinity : undefined);
  };
  const ranked = sortBy(members, score);
  const every = settings.latency.exploration > 0 ? Math.max(1, Math.round(1 / settings.latency.exploration)) : 0;
  state.decisions += 1;
  if (every === 0 || ranked.length < 2 || state.decisions % every !== 0) return ranked;
  const [fastest, ...rest] = ranked;
  const stalest = rest.reduce((a, b) => (health(b.deployment.id).lastSampleAt < health(a.deployment.id).lastSampleAt ? b : a));
  return [stalest, fastest!, ...rest.filter((m) => m !== stalest)];
};
