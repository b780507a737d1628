import { COMMON_LUA, EVENT_PREFIX } from './script-parts';

/**
 * Reconciles one usage event, once per event id: the request's reservation becomes its actual use (unused
 * tokens and money refunded, an overrun charged), its slots are freed and its record deleted. An event
 * without a reservation (admitted while Redis was unavailable, or swept) charges its cost in full to the
 * spend the scopes given keep for the period of the event's time.
 *
 * ARGV[1] event (= request) id, ARGV[2] actual tokens, ARGV[3] actual cost (micro-units),
 * ARGV[4] event time (ms), ARGV[5] event marker TTL (s), ARGV[6..] scope prefixes for the no-reservation case.
 * Returns 1 reconciled against a reservation, 2 charged without one, 0 already reconciled.
 */
export const RECONCILE_SCRIPT = `${COMMON_LUA}
local id = ARGV[1]
local tokens = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
if not redis.call('SET', '${EVENT_PREFIX}' .. id, '1', 'NX', 'EX', tonumber(ARGV[5])) then return 0 end
local r = read_record(id)
if r then
  settle(r, id, tokens - r.tok, cost - r.cost)
  return 1
end
local per = periods(tonumber(ARGV[4]))
for i = 6, #ARGV do
  add_kept_spend(ARGV[i], per.day, per.day_end, cost)
  add_kept_spend(ARGV[i], per.month, per.month_end, cost)
end
return 2
`;
