-- Deletes a delivered entry, but only while the caller's claim still holds it.
-- KEYS[1] in-flight set  KEYS[2] entries
-- ARGV[1] token  ARGV[2] the lease expiry the claim returned
-- Returns 1 when deleted, 0 when the claim was lost (lease reclaimed, or rescheduled under the same token).
local lease = redis.call('ZSCORE', KEYS[1], ARGV[1])
if lease and tonumber(lease) == tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  return 1
end
return 0
