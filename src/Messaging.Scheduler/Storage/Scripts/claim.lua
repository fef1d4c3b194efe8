-- Claims up to ARGV[1] due entries for delivery, atomically, by the Redis clock.
-- KEYS[1] due index  KEYS[2] in-flight set  KEYS[3] entries  KEYS[4] dead-letter set  KEYS[5] dead-letter reasons
-- KEYS[6] recurring definitions (field <token>) and current occurrences (field <token>:at)
-- ARGV[1] batch size  ARGV[2] lease, ms  ARGV[3] the dead-letter reason of a token the due index names without an entry
-- Returns { now, lease expiry, next due (-1: none), next lease expiry (-1: none), backlog, in flight,
--           reclaimed, token1, due1, entry1, recurring definition1 ('' for a one-time message), occurrence1 (Unix ms,
--           '' for a one-time message), token2, ... }; a token without an entry is dead-lettered here and comes back
--           with a nil entry, so that the bridge logs and counts it.
--- @include "clock"

local batch = tonumber(ARGV[1])
local now = redis_now_ms()
local lease = now + tonumber(ARGV[2])

-- Entries whose lease ran out belong to a bridge that died or stalled: they are due again.
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, batch)
for _, token in ipairs(expired) do
  redis.call('ZREM', KEYS[2], token)
  redis.call('ZADD', KEYS[1], now, token)
end

local result = { now, lease, -1, -1, 0, 0, #expired }
local tokens = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES', 'LIMIT', 0, batch)
for i = 1, #tokens, 2 do
  local token = tokens[i]
  redis.call('ZREM', KEYS[1], token)
  local entry = redis.call('HGET', KEYS[3], token)
  if entry then
    redis.call('ZADD', KEYS[2], lease, token)
    result[#result + 1] = token
    result[#result + 1] = tokens[i + 1]
    result[#result + 1] = entry
    result[#result + 1] = redis.call('HGET', KEYS[6], token) or ''
    result[#result + 1] = redis.call('HGET', KEYS[6], token .. ':at') or ''
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

local nextDue = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if nextDue[2] then result[3] = tonumber(nextDue[2]) end
local nextLease = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
if nextLease[2] then result[4] = tonumber(nextLease[2]) end
result[5] = redis.call('ZCARD', KEYS[1])
result[6] = redis.call('ZCARD', KEYS[2])
return result
