/**
 * The Lua scripts of the auth store. Each is one atomic step, so that concurrent admin calls, replicas
 * seeding at once and lookups never see half a change. Some touch keys they find while running (a key's
 * record named by its secret's entry), which cannot be declared up front: fine on a single Redis or a
 * replicated one, not on a cluster.
 */

/**
 * Looks up a secret. KEYS[1] = the secret's entry, KEYS[2] = the caller's address's failure counter,
 * KEYS[3] = the presented key prefix's failure counter; ARGV[1] = now (ms), ARGV[2] = failure limit,
 * ARGV[3] = failure window (ms), ARGV[4] = '1' to count failures per address, ARGV[5] = key record prefix,
 * ARGV[6] = tenant record prefix, ARGV[7] = '1' to count failures per key prefix.
 * Returns {'ok', key fields, tenant fields, notAfter} for a secret in force, whatever the counters say: a
 * valid credential is always served, so an attacker's failures never lock its owner out. Otherwise
 * {'blocked', ms until the window ends} when a counter is already at the limit (nothing more is counted),
 * else {'unknown' | 'revoked' | 'expired' | 'rotated', revokedAt, expiresAt, notAfter} after counting it.
 */
export const VERIFY_SCRIPT = `
local now = tonumber(ARGV[1])
local verdict = 'unknown'
local state = {false, false, false}
local notAfter = false
local keyId = redis.call('HGET', KEYS[1], 'keyId')
if keyId then
  state = redis.call('HMGET', ARGV[5] .. keyId, 'tenantId', 'revokedAt', 'expiresAt')
  notAfter = redis.call('HGET', KEYS[1], 'notAfter')
  if not state[1] then
    verdict = 'unknown'
  elseif state[2] then
    verdict = 'revoked'
  elseif state[3] and tonumber(state[3]) <= now then
    verdict = 'expired'
  elseif notAfter and tonumber(notAfter) <= now then
    verdict = 'rotated'
  else
    verdict = 'ok'
  end
end
if verdict == 'ok' then
  redis.call('HSET', ARGV[5] .. keyId, 'lastUsedAt', ARGV[1])
  return {'ok', redis.call('HGETALL', ARGV[5] .. keyId), redis.call('HGETALL', ARGV[6] .. state[1]), notAfter}
end
local counters = {}
if ARGV[4] == '1' then counters[#counters + 1] = KEYS[2] end
if ARGV[7] == '1' then counters[#counters + 1] = KEYS[3] end
local blocked = 0
for _, counter in ipairs(counters) do
  if tonumber(redis.call('GET', counter) or '0') >= tonumber(ARGV[2]) then
    blocked = math.max(blocked, redis.call('PTTL', counter))
  end
end
if blocked > 0 then return {'blocked', blocked} end
for _, counter in ipairs(counters) do
  if redis.call('INCR', counter) == 1 then redis.call('PEXPIRE', counter, ARGV[3]) end
end
return {verdict, state[2], state[3], notAfter}
`;

/**
 * Counts one failed authentication. KEYS[1] = the failure counter; ARGV[1] = window (ms).
 * Returns {failures in the window, ms until it ends}.
 */
export const RECORD_FAILURE_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}
`;

/**
 * Stores a key from the config file. KEYS[1] = current-secret index, KEYS[2] = key record,
 * KEYS[3] = the key's secrets, KEYS[4] = all keys, KEYS[5] = the tenant's keys, KEYS[6] = tenant record,
 * KEYS[7] = all tenants, KEYS[8] = the config secret's entry; ARGV[1] = key id, ARGV[2] = hash of the
 * config secret, ARGV[3] = secret entry prefix, ARGV[4] = now, ARGV[5] = tenant id, ARGV[6] = role,
 * ARGV[7] = display prefix, ARGV[8] = limits (JSON), ARGV[9] = tenant keys prefix.
 *
 * The config owns a seed key's tenant, role and limits, so they are written at every start. Its secret
 * is written only when the config's differs from the one last seeded: then it replaces every secret of
 * the key at once (the operator rotated it in the config) and lifts a revocation. Otherwise revocations
 * and rotations made through the admin API stand. Returns the hashes of the secrets it replaced.
 */
export const SEED_KEY_SCRIPT = `
if redis.call('EXISTS', KEYS[6]) == 0 then
  redis.call('HSET', KEYS[6], 'tenantId', ARGV[5], 'name', ARGV[5], 'limits', '{}', 'createdAt', ARGV[4])
end
redis.call('ZADD', KEYS[7], 0, ARGV[5])
local previousTenant = redis.call('HGET', KEYS[2], 'tenantId')
if previousTenant and previousTenant ~= ARGV[5] then
  redis.call('ZREM', ARGV[9] .. previousTenant, ARGV[1])
end
local replaced = {}
if redis.call('HGET', KEYS[2], 'seedHash') ~= ARGV[2] then
  local stale = redis.call('SMEMBERS', KEYS[3])
  local current = redis.call('GET', KEYS[1])
  if current then table.insert(stale, current) end
  for _, h in ipairs(stale) do
    if h ~= ARGV[2] and redis.call('DEL', ARGV[3] .. h) == 1 then table.insert(replaced, h) end
  end
  redis.call('DEL', KEYS[3], KEYS[8])
  redis.call('SADD', KEYS[3], ARGV[2])
  redis.call('HSET', KEYS[8], 'keyId', ARGV[1])
  redis.call('SET', KEYS[1], ARGV[2])
  redis.call('HSET', KEYS[2], 'keyPrefix', ARGV[7], 'seedHash', ARGV[2])
  redis.call('HDEL', KEYS[2], 'revokedAt', 'rotatedAt')
end
redis.call('HSET', KEYS[2], 'keyId', ARGV[1], 'tenantId', ARGV[5], 'role', ARGV[6], 'limits', ARGV[8])
redis.call('HSETNX', KEYS[2], 'createdAt', ARGV[4])
redis.call('ZADD', KEYS[4], 0, ARGV[1])
redis.call('ZADD', KEYS[5], 0, ARGV[1])
return replaced
`;

/**
 * Creates a key. KEYS[1] = tenant record, KEYS[2] = key record, KEYS[3] = the secret's entry,
 * KEYS[4] = current-secret index, KEYS[5] = the key's secrets, KEYS[6] = all keys, KEYS[7] = the
 * tenant's keys; ARGV[1] = key id, ARGV[2] = secret hash, ARGV[3..] = record field/value pairs.
 * Returns 'ok', 'no-tenant' or 'exists'.
 */
export const CREATE_KEY_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'no-tenant' end
if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('EXISTS', KEYS[3]) == 1 then return 'exists' end
redis.call('HSET', KEYS[2], unpack(ARGV, 3))
redis.call('HSET', KEYS[3], 'keyId', ARGV[1])
redis.call('SET', KEYS[4], ARGV[2])
redis.call('SADD', KEYS[5], ARGV[2])
redis.call('ZADD', KEYS[6], 0, ARGV[1])
redis.call('ZADD', KEYS[7], 0, ARGV[1])
return 'ok'
`;

/**
 * Gives a key a new secret. KEYS[1] = key record, KEYS[2] = current-secret index, KEYS[3] = the key's
 * secrets, KEYS[4] = the new secret's entry; ARGV[1] = key id, ARGV[2] = new hash, ARGV[3] = new display
 * prefix, ARGV[4] = now, ARGV[5] = end of the old secret's grace period (ms; <= now: none),
 * ARGV[6] = secret entry prefix, ARGV[7] = how long a rotated-out entry is kept after its grace (ms), so
 * that a late caller is told why it no longer works.
 * The current secret keeps working until the grace end; secrets rotated out earlier keep their own end.
 * Returns {'ok', hashes of the secrets the key had}, {'missing'} or {'revoked'}.
 */
export const ROTATE_KEY_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
if redis.call('HEXISTS', KEYS[1], 'revokedAt') == 1 then return {'revoked'} end
local now = tonumber(ARGV[4])
local graceEnd = tonumber(ARGV[5])
local current = redis.call('GET', KEYS[2])
local old = {}
for _, h in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  local entry = ARGV[6] .. h
  if redis.call('EXISTS', entry) == 0 then
    redis.call('SREM', KEYS[3], h)
  else
    table.insert(old, h)
    if graceEnd <= now then
      redis.call('DEL', entry)
      redis.call('SREM', KEYS[3], h)
    elseif h == current then
      redis.call('HSET', entry, 'notAfter', ARGV[5])
      redis.call('PEXPIREAT', entry, graceEnd + tonumber(ARGV[7]))
    end
  end
end
redis.call('HSET', KEYS[4], 'keyId', ARGV[1])
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[1], 'keyPrefix', ARGV[3], 'rotatedAt', ARGV[4], 'updatedAt', ARGV[4])
return {'ok', unpack(old)}
`;

/**
 * Revokes a key: every secret of it stops working, and lookups say why. KEYS[1] = key record,
 * KEYS[2] = the key's secrets; ARGV[1] = now. Returns {'ok', hashes of its secrets} or {'missing'}.
 * Revoking twice keeps the first time.
 */
export const REVOKE_KEY_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
if redis.call('HSETNX', KEYS[1], 'revokedAt', ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], 'updatedAt', ARGV[1])
end
return {'ok', unpack(redis.call('SMEMBERS', KEYS[2]))}
`;

/**
 * Changes some fields of an existing record. KEYS[1] = the record; ARGV[1] = number of fields to set,
 * then that many field/value pairs, then the fields to delete. Returns the record after the change, or
 * an empty array when there is no such record.
 */
export const UPDATE_RECORD_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
local n = tonumber(ARGV[1])
if n > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, 2, 1 + n * 2)) end
for i = 2 + n * 2, #ARGV do redis.call('HDEL', KEYS[1], ARGV[i]) end
return redis.call('HGETALL', KEYS[1])
`;

/**
 * Creates a tenant. KEYS[1] = tenant record, KEYS[2] = all tenants; ARGV[1] = tenant id,
 * ARGV[2..] = field/value pairs. Returns 'ok' or 'exists'.
 */
export const CREATE_TENANT_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'exists' end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return 'ok'
`;
