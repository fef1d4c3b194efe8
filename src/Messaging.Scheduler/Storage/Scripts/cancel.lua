-- Cancels a scheduled entry unless it is already being delivered.
-- KEYS[1] due index  KEYS[2] in-flight set  KEYS[3] entries  KEYS[4] dead-letter set  KEYS[5] dead-letter reasons
-- KEYS[6] recurring definitions (hash)  KEYS[7] paused recurring schedules (hash)
-- KEYS[8] the trigger key for ARGV[2]'s channel  KEYS[9] the token's cancel marker
-- KEYS[10] the counts (hash, see include/counts.lua)
-- ARGV[1] token  ARGV[2] the channel the caller read for this token
-- ARGV[3] when the cancel command was sent, Unix ms (0: not a command). When nothing is found, a marker remembers it
-- for an hour, so that a schedule command sent earlier but handled later does not bring the message back.
-- Works at Redis's memory limit (maxmemory, noeviction): it only removes, except the marker (see below).
-- Returns { 1 } cancelled, { 0 } unknown token, { 2 } too late (in flight), { 3, channel } read again with this channel.
--- @include "counts"

local token = ARGV[1]
if redis.call('ZSCORE', KEYS[2], token) then
  return { 2 }
end

local entry = redis.call('HGET', KEYS[3], token)
if not entry then
  if tonumber(ARGV[3]) > 0 then
    -- SET is refused at Redis's memory limit when it is a script's first write: the DEL before it (of a trigger key
    -- whose entry is gone, nothing if it does not exist) lets this small, expiring marker through, so that a cancel
    -- command keeps working at the limit.
    redis.call('DEL', KEYS[8])
    redis.call('SET', KEYS[9], ARGV[3], 'PX', 3600000)
  end
  return { 0 }
end

local channel = entry_channel(entry)
if channel and channel ~= ARGV[2] then
  return { 3, channel }
end

redis.call('ZREM', KEYS[1], token)
redis.call('HDEL', KEYS[3], token)
local wasDead = redis.call('ZREM', KEYS[4], token) == 1
counts_entry(KEYS[10], entry, wasDead and 'd' or 'p', -1)
redis.call('HDEL', KEYS[5], token)
redis.call('HDEL', KEYS[6], token, token .. ':at')
redis.call('HDEL', KEYS[7], token)
redis.call('DEL', KEYS[8])
return { 1 }
