-- Gives a claimed entry back after a failed delivery: due again after a delay, or dead-lettered. The reason is kept in
-- the dead-letter reasons either way (the last failure, until the entry is delivered, replaced or removed); a token is
-- dead-lettered when it is in the dead-letter set.
-- A recurring schedule whose occurrence is dead-lettered goes on: the occurrence is kept dead-lettered under a token of
-- its own, '<token>-<occurrence, Unix ms>' (a one-time entry: requeued, it is delivered once), with its reason, and the
-- schedule's entry is due at its next occurrence (ARGV[7]), attempts reset, in the same step; when the schedule has
-- ended (ARGV[7] -1), its entry is deleted, as ack-batch.lua deletes it after its last occurrence.
-- KEYS[1] due index  KEYS[2] in-flight set  KEYS[3] entries  KEYS[4] dead-letter set  KEYS[5] dead-letter reasons
-- KEYS[6] recurring definitions (field <token>) and current occurrences (field <token>:at)
-- KEYS[7] paused recurring schedules  KEYS[8] the counts (hash, see include/counts.lua)
-- ARGV[1] token  ARGV[2] the lease expiry the claim returned  ARGV[3] retry delay, ms
-- ARGV[4] "1" when this failure counts as an attempt  ARGV[5] attempts allowed (0: dead-letter now)  ARGV[6] reason
-- ARGV[7] for an occurrence of a recurring schedule: the schedule's next occurrence, Unix ms, or -1 when it has ended;
-- 0 (or absent) for a one-time message
-- Returns { 1, attempts made so far } when due again, { 2, attempts } when dead-lettered, { 0 } when the claim was lost.
-- Works at Redis's memory limit (maxmemory, noeviction): its first write is the ZREM, which Redis lets through.
--- @include "clock"
--- @include "entry"
--- @include "counts"

local token = ARGV[1]
local lease = redis.call('ZSCORE', KEYS[2], token)
if not lease or tonumber(lease) ~= tonumber(ARGV[2]) then
  return { 0 }
end

local now = redis_now_ms()
redis.call('ZREM', KEYS[2], token)

local entry = redis.call('HGET', KEYS[3], token) or ''
local recorded = entry_attempts(entry)
local attempts = recorded or 0
if ARGV[4] == '1' then attempts = attempts + 1 end
redis.call('HSET', KEYS[5], token, ARGV[6])

local allowed = tonumber(ARGV[5])
if allowed == 0 or attempts >= allowed or not recorded then
  local nextDue = tonumber(ARGV[7] or '0')
  if recorded and nextDue ~= 0 and redis.call('HEXISTS', KEYS[6], token) == 1 then
    -- The occurrence is dead-lettered under a token of its own; the schedule goes on with the next one.
    local occurrence = redis.call('HGET', KEYS[6], token .. ':at') or tostring(now)
    local dead = token .. '-' .. occurrence
    local copy = entry_with_attempts(entry, attempts)
    local replaced = redis.call('HGET', KEYS[3], dead)
    if replaced then
      counts_entry(KEYS[8], replaced, redis.call('ZSCORE', KEYS[4], dead) and 'd' or 'p', -1)
      redis.call('ZREM', KEYS[1], dead)
    end
    redis.call('HSET', KEYS[3], dead, copy)
    redis.call('ZADD', KEYS[4], now, dead)
    redis.call('HSET', KEYS[5], dead, ARGV[6])
    counts_entry(KEYS[8], copy, 'd', 1)

    redis.call('HDEL', KEYS[5], token)
    if nextDue > 0 then
      redis.call('HSET', KEYS[3], token, entry_with_attempts(entry, 0))
      redis.call('HSET', KEYS[6], token .. ':at', nextDue)
      if redis.call('HEXISTS', KEYS[7], token) == 0 then
        redis.call('ZADD', KEYS[1], nextDue, token)
      end
    else
      counts_entry(KEYS[8], entry, 'p', -1)
      redis.call('HDEL', KEYS[3], token)
      redis.call('HDEL', KEYS[6], token, token .. ':at')
      redis.call('HDEL', KEYS[7], token)
    end
    return { 2, attempts }
  end

  if recorded then
    redis.call('HSET', KEYS[3], token, entry_with_attempts(entry, attempts))
    counts_entry(KEYS[8], entry, 'p', -1)
    counts_entry(KEYS[8], entry, 'd', 1)
  end
  redis.call('ZADD', KEYS[4], now, token)
  return { 2, attempts }
end

redis.call('HSET', KEYS[3], token, entry_with_attempts(entry, attempts))
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), token)
return { 1, attempts }
