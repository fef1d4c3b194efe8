-- Moves a waiting or overdue entry to another due time (run now: the Redis clock's now), unless it is being delivered.
-- A recurring schedule's occurrence moves with it (<token>:at), so that its MessageId is that of the new time and the
-- occurrence after it is counted from it: run now delivers one occurrence now, then the schedule goes on with its next
-- regular one. A paused schedule may be run (or rescheduled) too: that one occurrence is delivered, and it stays paused
-- (ack-batch.lua makes no next occurrence due while it is paused).
-- KEYS[1] due index  KEYS[2] in-flight set  KEYS[3] entries  KEYS[4] recurring definitions  KEYS[5] paused recurring
-- schedules  KEYS[6] the trigger key for ARGV[3]'s channel
-- ARGV[1] token  ARGV[2] the new due time, Unix ms (0, or a time before now: now by the Redis clock)
-- ARGV[3] the channel the caller read for this token  ARGV[4] "1" to keep a trigger key for a one-time message
-- ARGV[5] wake-up channel
-- Returns { 1, due } moved, { 0 } not waiting (nothing stored, or dead-lettered), { 2 } too late (in flight),
-- { 3, channel } read again with this channel.
--- @include "clock"
--- @include "entry"

local token = ARGV[1]
if redis.call('ZSCORE', KEYS[2], token) then
  return { 2 }
end

local entry = redis.call('HGET', KEYS[3], token)
if not entry then
  return { 0 }
end

local recurring = redis.call('HEXISTS', KEYS[4], token) == 1
if not redis.call('ZSCORE', KEYS[1], token) and not (recurring and redis.call('HEXISTS', KEYS[5], token) == 1) then
  return { 0 }
end

local channel = entry_channel(entry)
if channel and channel ~= ARGV[3] then
  return { 3, channel }
end

local now = redis_now_ms()
local due = math.max(tonumber(ARGV[2]), now)

redis.call('ZADD', KEYS[1], due, token)
if recurring then
  redis.call('HSET', KEYS[4], token .. ':at', due)
end

if ARGV[4] == '1' and not recurring and due > now then
  redis.call('SET', KEYS[6], '1', 'PX', due - now)
else
  redis.call('DEL', KEYS[6])
end

local head = redis.call('ZRANGE', KEYS[1], 0, 0)
if head[1] == token then
  redis.call('PUBLISH', ARGV[5], due)
end
return { 1, due }
