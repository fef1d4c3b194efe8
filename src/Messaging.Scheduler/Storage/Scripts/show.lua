-- Reads everything stored about one token in one partition, for IRedisScheduledMessages.Show and Find. Read-only.
-- KEYS[1] due index  KEYS[2] in-flight set  KEYS[3] entries  KEYS[4] dead-letter set  KEYS[5] dead-letter reasons
-- KEYS[6] recurring definitions (field <token>, occurrence <token>:at)  KEYS[7] paused recurring schedules
-- ARGV[1] token
-- Returns { now, entry (false: none), due score, in-flight score, dead score, dead reason, recurring definition,
--           occurrence, paused (1/0) }, '' for each that is not there.
--- @include "clock"

local token = ARGV[1]
return {
  redis_now_ms(),
  redis.call('HGET', KEYS[3], token) or false,
  redis.call('ZSCORE', KEYS[1], token) or '',
  redis.call('ZSCORE', KEYS[2], token) or '',
  redis.call('ZSCORE', KEYS[4], token) or '',
  redis.call('HGET', KEYS[5], token) or '',
  redis.call('HGET', KEYS[6], token) or '',
  redis.call('HGET', KEYS[6], token .. ':at') or '',
  redis.call('HEXISTS', KEYS[7], token),
}
