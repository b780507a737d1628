import type { Member } from '../catalogue';
import type { Strategy } from './strategy';

/**
 * The request's class picks a preference list (falling back to the `general` one): its members first, in
 * the listed order, then the rest in priority order.
 */
export const classPreference: Strategy = (members, { requestClass, preferences }) => {
  const preferred = preferences[requestClass] ?? preferences.general ?? [];
  const first = preferred
    .map((id) => members.find((m) => m.deployment.id === id))
    .filter((m): m is Member => m !== undefined);
  return [...first, ...members.filter((m) => !first.includes(m))];
};
