/**
 * Lua shared by the quota scripts, pasted in front of each. Scripts build their key names from the scope
 * prefixes they are given (see `quota-store.ts` for the layout), so they need one Redis, not a Cluster.
 */

/** Length of the per-minute windows, number of milliseconds. */
export const MINUTE_MS = 60_000;
/** Length of the per-day request window, number of milliseconds. */
export const DAY_MS = 86_400_000;

/** Prefix of every key quota writes. */
export const KEY_PREFIX = 'aigw:q:';
/** The reservation record of one admitted request. */
export const RECORD_PREFIX = `${KEY_PREFIX}req:`;
/** Sorted set of admitted requests by the time their reservation lapses unless renewed or reconciled. */
export const LIVE_KEY = `${KEY_PREFIX}live`;
/** Marks a usage event as reconciled. */
export const EVENT_PREFIX = `${KEY_PREFIX}event:`;

export const COMMON_LUA = `
local MINUTE_MS = ${MINUTE_MS}
local DAY_MS = ${DAY_MS}
local RECORD_PREFIX = '${RECORD_PREFIX}'
local LIVE_KEY = '${LIVE_KEY}'

local function redis_now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Howard Hinnant's civil-from-days and days-from-civil (proleptic Gregorian, UTC).
local function civil_from_days(days)
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  return y, m, d
end

local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = m > 2 and m - 3 or m + 9
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

-- The spend periods of an instant: UTC day YYYYMMDD and month YYYYMM, and when each ends (ms).
local function periods(ms)
  local days = math.floor(ms / DAY_MS)
  local y, m, d = civil_from_days(days)
  local next_y, next_m = y, m + 1
  if next_m > 12 then next_y, next_m = y + 1, 1 end
  return {
    day = string.format('%04d%02d%02d', y, m, d),
    day_end = (days + 1) * DAY_MS,
    month = string.format('%04d%02d', y, m),
    month_end = days_from_civil(next_y, next_m, 1) * DAY_MS,
  }
end

-- Adds micro-units to a scope's spend in one period; the counter outlives its period by a day, for reads.
local function add_spend(prefix, period, period_end, micros)
  if micros == 0 then return end
  local key = prefix .. ':s:' .. period
  redis.call('INCRBY', key, micros)
  redis.call('PEXPIREAT', key, period_end + DAY_MS)
end

-- The same, only if the scope keeps spend for that period (it has a budget for it and spent in it).
local function add_kept_spend(prefix, period, period_end, micros)
  if redis.call('EXISTS', prefix .. ':s:' .. period) == 1 then add_spend(prefix, period, period_end, micros) end
end

local function read_record(id)
  local flat = redis.call('HGETALL', RECORD_PREFIX .. id)
  if #flat == 0 then return nil end
  local r = {}
  for i = 1, #flat, 2 do r[flat[i]] = flat[i + 1] end
  r.n = tonumber(r.n)
  r.tok = tonumber(r.tok)
  r.cost = tonumber(r.cost)
  r.day_end = tonumber(r.day_end)
  r.month_end = tonumber(r.month_end)
  return r
end

-- Changes the tokens a request counts for in a scope's minute window, if it is still in it.
local function adjust_tokens(prefix, id, delta)
  if delta == 0 or redis.call('HEXISTS', prefix .. ':mt', id) == 0 then return end
  redis.call('HINCRBY', prefix .. ':mt', id, delta)
  redis.call('INCRBY', prefix .. ':ms', delta)
end

-- Applies "actual minus reserved" to every scope of a record (a negative reservation refunds it).
local function settle(r, id, tokens_delta, cost_delta)
  for i = 1, r.n do
    local p = r['p' .. i]
    adjust_tokens(p, id, tokens_delta)
    redis.call('ZREM', p .. ':c', id)
    if r['d' .. i] then add_spend(p, r.day, r.day_end, cost_delta) end
    if r['m' .. i] then add_spend(p, r.month, r.month_end, cost_delta) end
  end
  redis.call('DEL', RECORD_PREFIX .. id)
  redis.call('ZREM', LIVE_KEY, id)
end
`;
