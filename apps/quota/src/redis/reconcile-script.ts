import { COMMON_LUA, EVENT_PREFIX } from './script-parts';

/** ARGV slots of one event in the reconcile script, before its scope prefixes. */
export const EVENT_ARGS = 5;

/**
 * Reconciles a batch of usage events, each once per event id: a request's reservation becomes its actual
 * use (unused tokens and money refunded, an overrun charged), its slots are freed and its record deleted.
 * An event without a reservation (admitted while Redis was unavailable, or swept) charges its cost in full
 * to the spend the scopes given keep for the period of the event's time. Events are settled in order, so
 * an event id given twice is settled by the first and a duplicate for the second.
 *
 * ARGV[1] event marker TTL (s), then per event (`EVENT_ARGS` values, then its scopes):
 *   event (= request) id, actual tokens, actual cost (micro-units), event time (ms),
 *   number of scopes, scope prefixes for the no-reservation case
 * Returns one integer per event: 1 reconciled against a reservation, 2 charged without one, 0 already reconciled.
 */
export const RECONCILE_SCRIPT = `${COMMON_LUA}
local ttl = tonumber(ARGV[1])

local function reconcile(i)
  local id = ARGV[i]
  local tokens = tonumber(ARGV[i + 1])
  local cost = tonumber(ARGV[i + 2])
  local first, last = i + ${EVENT_ARGS}, i + ${EVENT_ARGS - 1} + tonumber(ARGV[i + 4])
  if not redis.call('SET', '${EVENT_PREFIX}' .. id, '1', 'NX', 'EX', ttl) then return 0, last end
  local r = read_record(id)
  if r then
    settle(r, id, tokens - r.tok, cost - r.cost)
    return 1, last
  end
  local per = periods(tonumber(ARGV[i + 3]))
  for s = first, last do
    add_kept_spend(ARGV[s], per.day, per.day_end, cost)
    add_kept_spend(ARGV[s], per.month, per.month_end, cost)
  end
  return 2, last
end

local outcomes = {}
local i = 2
while i <= #ARGV do
  local outcome, last = reconcile(i)
  outcomes[#outcomes + 1] = outcome
  i = last + 1
end
return outcomes
`;
