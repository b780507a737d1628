import { COMMON_LUA } from './script-parts';

/**
 * Extends the leases of running requests to now + TTL, never shortening one. A request whose slots were
 * already taken back (its lease expired) does not get them again: slots only come from admission.
 *
 * ARGV[1] lease TTL, ms; ARGV[2..] request ids. Returns how many still had a reservation.
 */
export const RENEW_SCRIPT = `${COMMON_LUA}
local ttl = tonumber(ARGV[1])
local expiry = redis_now_ms() + ttl
local renewed = 0
for i = 2, #ARGV do
  local id = ARGV[i]
  local r = read_record(id)
  if r then
    renewed = renewed + 1
    redis.call('ZADD', LIVE_KEY, 'XX', 'GT', expiry, id)
    for s = 1, r.n do
      local c = r['p' .. s] .. ':c'
      if redis.call('ZADD', c, 'XX', 'GT', 'CH', expiry, id) == 1 then redis.call('PEXPIRE', c, ttl) end
    end
  end
end
return renewed
`;

/**
 * A request ended: frees its concurrency slots now. If its usage event follows, the reservation waits for
 * it until now + grace; if none follows, the reservation is refunded now.
 *
 * ARGV[1] request id, ARGV[2] 1 if a usage event follows else 0, ARGV[3] grace, ms.
 * Returns 1 when the request still had a reservation, else 0.
 */
export const RELEASE_SCRIPT = `${COMMON_LUA}
local id = ARGV[1]
local r = read_record(id)
if not r then return 0 end
if ARGV[2] == '1' then
  for s = 1, r.n do redis.call('ZREM', r['p' .. s] .. ':c', id) end
  redis.call('ZADD', LIVE_KEY, 'XX', redis_now_ms() + tonumber(ARGV[3]), id)
else
  settle(r, id, -r.tok, -r.cost)
end
return 1
`;

/**
 * Refunds reservations whose lease lapsed (their proxy died) or whose usage event never came within the
 * grace period: up to ARGV[1] of them per call. A usage event that still comes later finds no reservation
 * and is charged in full, so the counters end up the same either way.
 *
 * Returns how many were refunded.
 */
export const SWEEP_SCRIPT = `${COMMON_LUA}
local due = redis.call('ZRANGEBYSCORE', LIVE_KEY, '-inf', redis_now_ms(), 'LIMIT', 0, tonumber(ARGV[1]))
for _, id in ipairs(due) do
  local r = read_record(id)
  if r then settle(r, id, -r.tok, -r.cost) else redis.call('ZREM', LIVE_KEY, id) end
end
return #due
`;
