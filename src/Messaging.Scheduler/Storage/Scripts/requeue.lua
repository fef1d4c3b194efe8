-- Takes a dead-lettered entry back into the due index (attempts reset), or deletes it for good.
-- KEYS[1] due index  KEYS[2] entries  KEYS[3] dead-letter set  KEYS[4] dead-letter reasons
-- KEYS[5] the counts (hash, see include/counts.lua)
-- ARGV[1] token  ARGV[2] "requeue" or "delete" (DeadLetterAction)  ARGV[3] due time, Unix ms (requeue; 0: now by the Redis clock)
-- Returns 1 when done, 0 when the token is not dead-lettered.
--- @include "clock"
--- @include "entry"
--- @include "counts"

local token = ARGV[1]
if not redis.call('ZSCORE', KEYS[3], token) then
  return 0
end

redis.call('ZREM', KEYS[3], token)
redis.call('HDEL', KEYS[4], token)

local entry = redis.call('HGET', KEYS[2], token)
counts_entry(KEYS[5], entry, 'd', -1)
if ARGV[2] == 'delete' or not entry then
  redis.call('HDEL', KEYS[2], token)
  return 1
end

local due = tonumber(ARGV[3])
if due == 0 then
  due = redis_now_ms()
end

local reset = entry_with_attempts(entry, 0)
if reset then
  redis.call('HSET', KEYS[2], token, reset)
end
counts_entry(KEYS[5], entry, 'p', 1)
redis.call('ZADD', KEYS[1], due, token)
return 1
