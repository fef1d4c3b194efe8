-- Reads one partition's counts in one step, by the Redis clock (reads only).
-- KEYS[1] due index  KEYS[2] in-flight set  KEYS[3] dead-letter set  KEYS[4] recurring definitions (two fields per
-- schedule: <token> and <token>:at)  KEYS[5] paused recurring schedules  KEYS[6] the counts (hash, see include/counts.lua)
-- Returns { now (Unix ms), due now or before, in the due index, in flight, dead-lettered, recurring fields, paused,
--           { field1, value1, field2, ... } of the counts }.
--- @include "clock"

local now = redis_now_ms()
return {
  now,
  redis.call('ZCOUNT', KEYS[1], '-inf', now),
  redis.call('ZCARD', KEYS[1]),
  redis.call('ZCARD', KEYS[2]),
  redis.call('ZCARD', KEYS[3]),
  redis.call('HLEN', KEYS[4]),
  redis.call('HLEN', KEYS[5]),
  redis.call('HGETALL', KEYS[6]),
}
