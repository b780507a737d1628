import { COMMON_LUA } from './script-parts';

/** Values per scope in the admission script's ARGV. */
export const SCOPE_ARGS = 7;
/** ARGV slots before the first scope. */
export const HEADER_ARGS = 6;

/** What refused a request, as the admission script reports it. */
export const Refusal = {
  None: 0,
  RequestsPerMinute: 1,
  RequestsPerDay: 2,
  TokensPerMinute: 3,
  Concurrency: 4,
  DailyBudget: 5,
  MonthlyBudget: 6,
} as const;
export type Refusal = (typeof Refusal)[keyof typeof Refusal];

/**
 * Every dimension of one request decided at once, atomically, on the Redis clock: every quota replica sees
 * the same counters and no two decisions interleave, so each limit is exact however many replicas and
 * proxies there are.
 *
 * ARGV[1] request id      ARGV[2] tokens to reserve      ARGV[3] micro-units to reserve (worst-case cost)
 * ARGV[4] lease TTL, ms   ARGV[5] how long the reservation of a request without a lease lives, ms
 * ARGV[6] number of scopes, then per scope (`SCOPE_ARGS` values):
 *   key prefix, rpm, rpd, tpm, max concurrent, daily budget, monthly budget   (-1: not limited)
 *
 * Checks every limit of every scope; admits only if all have room, and then counts the request in all of
 * them: minute window (and its tokens), day window, a concurrency lease, spend of the day and month. The
 * reservation record keeps what was counted, for renewal, release and reconciliation; a request limited
 * in requests only has nothing to settle and gets none. A request limited in concurrency holds a lease that lapses after the lease TTL unless renewed; any other request's reservation
 * lapses after ARGV[5] unless its usage event settles it first.
 *
 * A request id that already has a record, or is in its key's minute window, is the same request asked
 * again (a retried bus request): it stays admitted and is not counted twice.
 *
 * Returns 16 integers: admitted, repeated, now (ms);
 *   requests limit, remaining, reset ms (-1 limit: none);  tokens limit, remaining, reset ms (-1: none);
 *   refusal (`Refusal`), its scope (1-based), its limit, the use, what was asked, retry after (ms);
 *   leased (1 when the request holds a concurrency lease to renew and release).
 * The requests and tokens states are those of the scope with the least room (the refusing one if refused).
 */
export const ADMISSION_SCRIPT = `${COMMON_LUA}
local id = ARGV[1]
local tokens = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local lease_ms = tonumber(ARGV[4])
local unleased_ms = tonumber(ARGV[5])
local n = tonumber(ARGV[6])
local leased = 0
local now = redis_now_ms()
local per
local function period()
  per = per or periods(now)
  return per
end
-- A request settled or needing nothing settled has no record; it is still in its key's minute window.
local repeated = redis.call('EXISTS', RECORD_PREFIX .. id) == 1
  or (n > 0 and redis.call('ZSCORE', ARGV[${HEADER_ARGS} + 1] .. ':m', id) ~= false)
local adding = repeated and 0 or 1

-- Drops the minute window's entries older than a minute, with their tokens.
local function trim_minute(p)
  local cutoff = now - MINUTE_MS
  local old = redis.call('ZRANGEBYSCORE', p .. ':m', '-inf', cutoff)
  if #old == 0 then return end
  local freed = 0
  for first = 1, #old, 500 do
    local chunk = { unpack(old, first, math.min(first + 499, #old)) }
    for _, w in ipairs(redis.call('HMGET', p .. ':mt', unpack(chunk))) do freed = freed + (tonumber(w) or 0) end
    redis.call('HDEL', p .. ':mt', unpack(chunk))
  end
  if freed ~= 0 then redis.call('DECRBY', p .. ':ms', freed) end
  redis.call('ZREMRANGEBYSCORE', p .. ':m', '-inf', cutoff)
end

-- Drops the day window's entries older than a day (a list of admission times, oldest first).
local function trim_day(p)
  local cutoff = now - DAY_MS
  while true do
    local head = redis.call('LRANGE', p .. ':d', 0, 99)
    local expired = 0
    for _, t in ipairs(head) do
      if tonumber(t) > cutoff then break end
      expired = expired + 1
    end
    if expired > 0 then redis.call('LTRIM', p .. ':d', expired, -1) end
    if expired < 100 then return end
  end
end

-- When enough tokens leave the minute window for 'need' more to fit under 'limit' (ms from now).
local function tokens_reset(p, sum, need, limit)
  local excess = sum + need - limit
  if excess <= 0 then
    local oldest = redis.call('ZRANGE', p .. ':m', 0, 0, 'WITHSCORES')
    if #oldest == 0 then return 0 end
    return tonumber(oldest[2]) + MINUTE_MS - now
  end
  if need > limit then return MINUTE_MS end
  local freed, start = 0, 0
  while true do
    local batch = redis.call('ZRANGE', p .. ':m', start, start + 99, 'WITHSCORES')
    if #batch == 0 then return MINUTE_MS end
    local ids = {}
    for i = 1, #batch, 2 do ids[#ids + 1] = batch[i] end
    local weights = redis.call('HMGET', p .. ':mt', unpack(ids))
    for i, w in ipairs(weights) do
      freed = freed + (tonumber(w) or 0)
      if freed >= excess then return tonumber(batch[2 * i]) + MINUTE_MS - now end
    end
    start = start + 100
  end
end

local refusal = { 0, 0, 0, 0, 0, 0 }

-- Keeps the refusal with the longest wait: retrying any sooner would be refused again.
local function refuse(kind, scope, limit, used, asked, retry_ms)
  if refusal[1] == 0 or retry_ms > refusal[6] then
    refusal = { kind, scope, limit, used, asked, math.max(0, retry_ms) }
  end
end

-- When the oldest entry leaves the minute window (the one about to be added, if the window is empty).
local function oldest_reset(p, index, added)
  local entry = redis.call('ZRANGE', p .. ':m', index, index, 'WITHSCORES')
  if #entry > 0 then return tonumber(entry[2]) + MINUTE_MS - now end
  return added and MINUTE_MS or 0
end

local scopes = {}
for i = 1, n do
  local b = ${HEADER_ARGS} + (i - 1) * ${SCOPE_ARGS}
  local s = {
    p = ARGV[b + 1], rpm = tonumber(ARGV[b + 2]), rpd = tonumber(ARGV[b + 3]), tpm = tonumber(ARGV[b + 4]),
    conc = tonumber(ARGV[b + 5]), daily = tonumber(ARGV[b + 6]), monthly = tonumber(ARGV[b + 7]),
  }
  scopes[i] = s
  local p = s.p
  if s.conc >= 0 then leased = 1 end

  if s.rpm >= 0 or s.tpm >= 0 then trim_minute(p) end

  if s.rpm >= 0 then
    s.count = redis.call('ZCARD', p .. ':m')
    if adding == 1 and s.count >= s.rpm then
      refuse(1, i, s.rpm, s.count, 1, oldest_reset(p, s.count - s.rpm, false))
    end
  end

  if s.rpd >= 0 then
    trim_day(p)
    local count = redis.call('LLEN', p .. ':d')
    if adding == 1 and count >= s.rpd then
      local pivot = tonumber(redis.call('LINDEX', p .. ':d', count - s.rpd))
      refuse(2, i, s.rpd, count, 1, pivot + DAY_MS - now)
    end
  end

  if s.tpm >= 0 then
    s.sum = tonumber(redis.call('GET', p .. ':ms') or '0')
    if adding == 1 and s.sum + tokens > s.tpm then
      s.tokens_wait = tokens_reset(p, s.sum, tokens, s.tpm)
      refuse(3, i, s.tpm, s.sum, tokens, s.tokens_wait)
    end
  end

  if s.conc >= 0 then
    redis.call('ZREMRANGEBYSCORE', p .. ':c', '-inf', now)
    local held = redis.call('ZCARD', p .. ':c')
    if adding == 1 and held >= s.conc then refuse(4, i, s.conc, held, 1, 1000) end
  end

  if s.daily >= 0 then
    local spent = tonumber(redis.call('GET', p .. ':s:' .. period().day) or '0')
    if adding == 1 and spent + cost > s.daily then refuse(5, i, s.daily, spent, cost, per.day_end - now) end
  end
  if s.monthly >= 0 then
    local spent = tonumber(redis.call('GET', p .. ':s:' .. period().month) or '0')
    if adding == 1 and spent + cost > s.monthly then refuse(6, i, s.monthly, spent, cost, per.month_end - now) end
  end
end

local admitted = refusal[1] == 0 and 1 or 0
local added = admitted == 1 and adding == 1

-- The windows as the client sees them after the decision: the scope with the least room, or the refusing one.
local requests = { -1, 0, 0 }
local tokens_state = { -1, 0, 0 }
local requests_locked, tokens_locked = false, false
for i, s in ipairs(scopes) do
  local refuser = admitted == 0 and i == refusal[2]
  if s.count then
    local after = s.count + (added and 1 or 0)
    local remaining = math.max(0, s.rpm - after)
    local refusing = refuser and refusal[1] == 1
    if refusing or (not requests_locked and (requests[1] < 0 or remaining < requests[2])) then
      local pivot = math.max(0, after - s.rpm)
      requests = { s.rpm, remaining, oldest_reset(s.p, pivot, added and pivot == s.count) }
      requests_locked = refusing
    end
  end
  if s.sum then
    local after = s.sum + (added and tokens or 0)
    local remaining = math.max(0, s.tpm - after)
    local refusing = refuser and refusal[1] == 3
    if refusing or (not tokens_locked and (tokens_state[1] < 0 or remaining < tokens_state[2])) then
      local reset = s.tokens_wait or tokens_reset(s.p, s.sum, 0, s.tpm)
      if reset == 0 and added then reset = MINUTE_MS end
      tokens_state = { s.tpm, remaining, reset }
      tokens_locked = refusing
    end
  end
end
for _, state in ipairs({ requests, tokens_state }) do state[3] = math.max(0, state[3]) end

if admitted == 1 and adding == 1 then
  -- Only what a usage event or a release must settle gets a record: tokens, spend, concurrency slots.
  local settles = leased == 1
  local record = { 'n', n, 'tok', tokens, 'cost', cost }
  for i, s in ipairs(scopes) do
    local p = s.p
    record[#record + 1] = 'p' .. i
    record[#record + 1] = p
    if s.tpm >= 0 or s.daily >= 0 or s.monthly >= 0 then settles = true end
    if s.rpm >= 0 or s.tpm >= 0 then
      redis.call('ZADD', p .. ':m', now, id)
      redis.call('PEXPIRE', p .. ':m', MINUTE_MS)
    end
    if s.tpm >= 0 then
      redis.call('HSET', p .. ':mt', id, tokens)
      redis.call('INCRBY', p .. ':ms', tokens)
      redis.call('PEXPIRE', p .. ':mt', MINUTE_MS)
      redis.call('PEXPIRE', p .. ':ms', MINUTE_MS)
    end
    if s.rpd >= 0 then
      redis.call('RPUSH', p .. ':d', now)
      redis.call('PEXPIRE', p .. ':d', DAY_MS)
    end
    if s.conc >= 0 then
      redis.call('ZADD', p .. ':c', now + lease_ms, id)
      redis.call('PEXPIRE', p .. ':c', lease_ms)
    end
    -- Spend is kept only for the periods a scope has a budget for.
    if s.daily >= 0 then
      add_spend(p, per.day, per.day_end, cost)
      record[#record + 1] = 'd' .. i
      record[#record + 1] = 1
    end
    if s.monthly >= 0 then
      add_spend(p, per.month, per.month_end, cost)
      record[#record + 1] = 'm' .. i
      record[#record + 1] = 1
    end
  end
  if per then
    for _, field in ipairs({ 'day', per.day, 'day_end', per.day_end, 'month', per.month, 'month_end', per.month_end }) do
      record[#record + 1] = field
    end
  end
  if settles then
    redis.call('HSET', RECORD_PREFIX .. id, unpack(record))
    redis.call('PEXPIRE', RECORD_PREFIX .. id, 2 * DAY_MS)
    redis.call('ZADD', LIVE_KEY, now + (leased == 1 and lease_ms or unleased_ms), id)
  end
end

return {
  admitted, repeated and 1 or 0, now,
  requests[1], requests[2], requests[3],
  tokens_state[1], tokens_state[2], tokens_state[3],
  refusal[1], refusal[2], refusal[3], refusal[4], refusal[5], refusal[6],
  leased,
}
`;
