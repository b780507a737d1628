/**
 * One requests-per-minute decision, run atomically inside Redis so that every quota replica sees the same
 * window and no two decisions interleave. Needs Redis >= 5, where a script that reads `TIME` may write
 * (effects replication).
 *
 * KEYS[1]  the key's window: a sorted set of request ids scored by admission time (ms, Redis clock)
 * ARGV[1]  limit, requests per window
 * ARGV[2]  window length, number of milliseconds
 * ARGV[3]  request id
 *
 * Returns { admitted (1|0), count in the window after the decision, pivot score, now }, where the pivot
 * is the admission time of the entry whose expiry next makes room: entry `count - limit` when the window
 * is over a lowered limit, else the oldest. Times are Redis milliseconds, exact to the millisecond.
 *
 * A request id already in the window is the same request asked again (a retried bus request): it stays
 * admitted and is not counted twice.
 */
export const RPM_WINDOW_SCRIPT = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window_ms = tonumber(ARGV[2])
local request_id = ARGV[3]

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window_ms)

local admitted = 0
if redis.call('ZSCORE', key, request_id) then
  admitted = 1
elseif redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, request_id)
  redis.call('PEXPIRE', key, window_ms)
  admitted = 1
end

local count = redis.call('ZCARD', key)
local pivot_index = math.max(0, count - limit)
local pivot = redis.call('ZRANGE', key, pivot_index, pivot_index, 'WITHSCORES')
return { admitted, count, tonumber(pivot[2]), now }
`;
