-- Acknowledges delivered entries of one partition in one step (one or many), each token in the order given: deleted
-- only while the caller's claim still holds it; a recurring schedule's entry stays and its next occurrence goes into the
-- due index in the same step, so a crash can neither skip nor repeat one.
-- KEYS[1] due index  KEYS[2] in-flight set  KEYS[3] entries
-- KEYS[4] recurring definitions (field <token>) and current occurrences (field <token>:at, Unix ms)
-- KEYS[5] paused recurring schedules  KEYS[6] dead-letter reasons (the last failure, cleared once delivered)
-- KEYS[7] the counts (hash, see include/counts.lua)
-- ARGV: triples of token, the lease expiry its claim returned, a recurring schedule's next occurrence in Unix ms
-- (0: none, the schedule ended)
-- Returns one number per triple, in order: 1 when acknowledged, 0 when that claim was lost (lease reclaimed, or
-- rescheduled under the same token).
--- @include "entry"
--- @include "counts"

local results = {}
for i = 1, #ARGV - 2, 3 do
  local token = ARGV[i]
  local lease = redis.call('ZSCORE', KEYS[2], token)
  if not lease or tonumber(lease) ~= tonumber(ARGV[i + 1]) then
    results[#results + 1] = 0
  else
    redis.call('ZREM', KEYS[2], token)
    redis.call('HDEL', KEYS[6], token)
    local nextDue = tonumber(ARGV[i + 2])
    if redis.call('HEXISTS', KEYS[4], token) == 1 and nextDue > 0 then
      local entry = redis.call('HGET', KEYS[3], token)
      local reset = entry and entry_with_attempts(entry, 0)
      if reset then
        redis.call('HSET', KEYS[3], token, reset)
      end
      redis.call('HSET', KEYS[4], token .. ':at', nextDue)
      if redis.call('HEXISTS', KEYS[5], token) == 0 then
        redis.call('ZADD', KEYS[1], nextDue, token)
      end
    else
      -- In flight, so not dead-lettered: it leaves the pending counts.
      counts_entry(KEYS[7], redis.call('HGET', KEYS[3], token), 'p', -1)
      redis.call('HDEL', KEYS[3], token)
      redis.call('HDEL', KEYS[4], token, token .. ':at')
      redis.call('HDEL', KEYS[5], token)
    end
    results[#results + 1] = 1
  end
end
return results
