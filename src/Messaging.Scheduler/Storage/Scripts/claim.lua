-- Claims up to ARGV[1] due entries for delivery, atomically, by the Redis clock, and records which ones this claim took,
-- under the caller's claim id, so that the caller can ask again when the answer did not reach it (a timeout).
-- KEYS[1] due index  KEYS[2] in-flight set  KEYS[3] entries  KEYS[4] dead-letter set  KEYS[5] dead-letter reasons
-- KEYS[6] recurring definitions (field <token>) and current occurrences (field <token>:at)
-- KEYS[7] this claim's record, <prefix>{p}:claim:<claim id>: 'lease token1 due1 token2 due2 ...', expires with the lease
-- KEYS[8] (optional) the record of an earlier claim whose answer arrived: deleted, it is no longer needed
-- ARGV[1] batch size  ARGV[2] lease, ms  ARGV[3] the dead-letter reason of a token the due index names without an entry
-- Returns { now, lease expiry, next due (-1: none), next lease expiry (-1: none), backlog, in flight,
--           reclaimed, token1, due1, entry1, recurring definition1 ('' for a one-time message), occurrence1 (Unix ms,
--           '' for a one-time message), token2, ... }; a token without an entry is dead-lettered here and comes back
--           with a nil entry, so that the bridge logs and counts it.
-- Asked again with the same claim id (its record exists), it claims nothing new and returns the entries that claim took
-- and still holds under its lease (none acknowledged or released since), in the same shape.
-- Works at Redis's memory limit (maxmemory, noeviction): its first write is always a ZREM, which Redis lets through.
--- @include "clock"

local batch = tonumber(ARGV[1])
local now = redis_now_ms()

local function entry_fields(result, token, due, entry)
  result[#result + 1] = token
  result[#result + 1] = due
  result[#result + 1] = entry
  result[#result + 1] = redis.call('HGET', KEYS[6], token) or ''
  result[#result + 1] = redis.call('HGET', KEYS[6], token .. ':at') or ''
end

local function finish(result)
  local nextDue = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if nextDue[2] then result[3] = tonumber(nextDue[2]) end
  local nextLease = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  if nextLease[2] then result[4] = tonumber(nextLease[2]) end
  result[5] = redis.call('ZCARD', KEYS[1])
  result[6] = redis.call('ZCARD', KEYS[2])
  return result
end

local record = redis.call('GET', KEYS[7])
if record then
  local fields = {}
  for field in string.gmatch(record, '%S+') do fields[#fields + 1] = field end
  local lease = tonumber(fields[1])
  local result = { now, lease, -1, -1, 0, 0, 0 }
  for i = 2, #fields - 1, 2 do
    local token = fields[i]
    local held = redis.call('ZSCORE', KEYS[2], token)
    local entry = held and tonumber(held) == lease and redis.call('HGET', KEYS[3], token)
    if entry then
      entry_fields(result, token, fields[i + 1], entry)
    end
  end
  return finish(result)
end

local lease = now + tonumber(ARGV[2])

-- Entries whose lease ran out belong to a bridge that died or stalled: they are due again.
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, batch)
for _, token in ipairs(expired) do
  redis.call('ZREM', KEYS[2], token)
  redis.call('ZADD', KEYS[1], now, token)
end

local result = { now, lease, -1, -1, 0, 0, #expired }
local taken = { lease }
local tokens = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES', 'LIMIT', 0, batch)
for i = 1, #tokens, 2 do
  local token = tokens[i]
  redis.call('ZREM', KEYS[1], token)
  local entry = redis.call('HGET', KEYS[3], token)
  if entry then
    redis.call('ZADD', KEYS[2], lease, token)
    entry_fields(result, token, tokens[i + 1], entry)
    taken[#taken + 1] = token
    taken[#taken + 1] = tokens[i + 1]
  else
    redis.call('ZADD', KEYS[4], now, token)
    redis.call('HSET', KEYS[5], token, ARGV[3])
    result[#result + 1] = token
    result[#result + 1] = tokens[i + 1]
    result[#result + 1] = false
    result[#result + 1] = ''
    result[#result + 1] = ''
  end
end

if KEYS[8] then
  redis.call('DEL', KEYS[8])
end
if #taken > 1 then
  redis.call('SET', KEYS[7], table.concat(taken, ' '), 'PX', tonumber(ARGV[2]))
end

return finish(result)
