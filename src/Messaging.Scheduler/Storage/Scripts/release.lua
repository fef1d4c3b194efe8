-- Gives a claimed entry back after a failed delivery: due again after a delay, or dead-lettered.
-- KEYS[1] due index  KEYS[2] in-flight set  KEYS[3] entries  KEYS[4] dead-letter set  KEYS[5] dead-letter reasons
-- ARGV[1] token  ARGV[2] the lease expiry the claim returned  ARGV[3] retry delay, ms
-- ARGV[4] "1" when this failure counts as an attempt  ARGV[5] attempts allowed (0: dead-letter now)  ARGV[6] reason
-- Returns { 1, attempts made so far } when due again, { 2, attempts } when dead-lettered, { 0 } when the claim was lost.
--- @include "clock"
--- @include "entry"

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

local allowed = tonumber(ARGV[5])
if allowed == 0 or attempts >= allowed or not recorded then
  if recorded then redis.call('HSET', KEYS[3], token, entry_with_attempts(entry, attempts)) end
  redis.call('ZADD', KEYS[4], now, token)
  redis.call('HSET', KEYS[5], token, ARGV[6])
  return { 2, attempts }
end

redis.call('HSET', KEYS[3], token, entry_with_attempts(entry, attempts))
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), token)
return { 1, attempts }
