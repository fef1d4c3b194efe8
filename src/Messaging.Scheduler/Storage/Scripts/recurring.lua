-- Cancels, pauses or resumes a recurring schedule.
-- KEYS[1] due index  KEYS[2] in-flight set  KEYS[3] entries  KEYS[4] dead-letter set  KEYS[5] dead-letter reasons
-- KEYS[6] recurring definitions  KEYS[7] paused recurring schedules  KEYS[8] the counts (hash, see include/counts.lua)
-- ARGV[1] token  ARGV[2] "cancel", "pause" or "resume" (RecurringChange)
-- ARGV[3] for resume: the next occurrence, Unix ms (0: none)
-- Returns 1 when done, 0 when no such recurring schedule exists (or, for resume, it was not paused).
-- An occurrence already in flight is delivered; its acknowledgement then sees the change (a cancelled schedule's entry
-- is deleted, and leaves the counts, then).
--- @include "counts"
local token = ARGV[1]
if redis.call('HEXISTS', KEYS[6], token) == 0 then
  return 0
end

local inFlight = redis.call('ZSCORE', KEYS[2], token)
local action = ARGV[2]

if action == 'cancel' then
  redis.call('HDEL', KEYS[6], token, token .. ':at')
  redis.call('HDEL', KEYS[7], token)
  redis.call('ZREM', KEYS[1], token)
  local wasDead = redis.call('ZREM', KEYS[4], token) == 1
  redis.call('HDEL', KEYS[5], token)
  if not inFlight then
    counts_entry(KEYS[8], redis.call('HGET', KEYS[3], token), wasDead and 'd' or 'p', -1)
    redis.call('HDEL', KEYS[3], token)
  end
  return 1
end

if action == 'pause' then
  -- ZREM first: a script's first write decides whether Redis at its memory limit lets it run, and ZREM is let through.
  redis.call('ZREM', KEYS[1], token)
  redis.call('HSET', KEYS[7], token, '1')
  return 1
end

if redis.call('HDEL', KEYS[7], token) == 0 then
  return 0
end
local nextDue = tonumber(ARGV[3])
-- A schedule whose entry is dead-lettered (its last occurrence failed after it ended) stays so until it is requeued.
if not inFlight and nextDue > 0 and not redis.call('ZSCORE', KEYS[4], token) then
  redis.call('HSET', KEYS[6], token .. ':at', nextDue)
  redis.call('ZADD', KEYS[1], nextDue, token)
end
return 1
