-- Requeues (due now, attempts reset) or deletes the dead-lettered entries that match a filter, a slice of the dead-letter
-- set at a time: called again from the cursor it returns until that is 0.
-- The cursor is a rank in the dead-letter set: the entries before it were looked at and did not match (those that
-- matched left the set). Dead letters that come or go between two calls may shift it: those are missed by this pass.
-- KEYS[1] due index  KEYS[2] entries  KEYS[3] dead-letter set  KEYS[4] dead-letter reasons
-- KEYS[5] the counts (hash, see include/counts.lua)
-- ARGV[1] "requeue" or "delete"  ARGV[2] cursor (0 to start)  ARGV[3] how many dead letters to look at
-- ARGV[4] the message type name ids that match, 8 bytes each, one after the other ('': any)
-- ARGV[5] the destination name ids that match, likewise ('': any)
-- ARGV[6] "1" when only the channel ARGV[7] matches
-- An entry without a label matches only a filter on nothing or on its channel; a token without an entry only a filter on
-- nothing (it is then deleted, as requeue.lua does).
-- Returns { how many were requeued or deleted, the next cursor (0: done) }.
--- @include "clock"
--- @include "entry"
--- @include "counts"

local start = tonumber(ARGV[2])
local slice = tonumber(ARGV[3])
local types, destinations = ARGV[4], ARGV[5]
local byChannel = ARGV[6] == '1'
local any = types == '' and destinations == '' and not byChannel

local function among(ids, id)
  for i = 1, #ids, 8 do
    if string.sub(ids, i, i + 7) == id then
      return true
    end
  end
  return false
end

local function matches(entry)
  if any then
    return true
  end
  if not entry then
    return false
  end
  if byChannel and entry_channel(entry) ~= ARGV[7] then
    return false
  end
  if types == '' and destinations == '' then
    return true
  end
  local messageType, destination = entry_label(entry)
  if not messageType then
    return false
  end
  return (types == '' or among(types, messageType)) and (destinations == '' or among(destinations, destination))
end

local tokens = redis.call('ZRANGE', KEYS[3], start, start + slice - 1)
local now = redis_now_ms()
local done, skipped = 0, 0
for _, token in ipairs(tokens) do
  local entry = redis.call('HGET', KEYS[2], token)
  if matches(entry) then
    redis.call('ZREM', KEYS[3], token)
    redis.call('HDEL', KEYS[4], token)
    counts_entry(KEYS[5], entry, 'd', -1)
    if ARGV[1] == 'delete' or not entry then
      redis.call('HDEL', KEYS[2], token)
    else
      local reset = entry_with_attempts(entry, 0)
      if reset then
        redis.call('HSET', KEYS[2], token, reset)
      end
      counts_entry(KEYS[5], entry, 'p', 1)
      redis.call('ZADD', KEYS[1], now, token)
    end
    done = done + 1
  else
    skipped = skipped + 1
  end
end

if #tokens < slice then
  return { done, 0 }
end
return { done, start + skipped }
