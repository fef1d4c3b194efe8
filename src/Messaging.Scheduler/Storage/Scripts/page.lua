-- Reads one page of an index (due, in flight or dead) of one partition, in the index's order (score, then token), for
-- IRedisScheduledMessages.List. Read-only.
-- KEYS[1] the index (sorted set: token -> due time, lease expiry or time dead-lettered, Unix ms)  KEYS[2] entries
-- KEYS[3] recurring definitions (field <token>, occurrence <token>:at)  KEYS[4] dead-letter reasons
-- ARGV[1] lowest score to list ('-inf' or Unix ms)  ARGV[2] highest score ('+inf' or Unix ms)
-- ARGV[3] the cursor's score ('' for the first page)  ARGV[4] the cursor's token: the page starts after (score, token)
-- ARGV[5] at most this many matching entries  ARGV[6] at most this many index entries examined
-- ARGV[7] message type name ids to match, 8 bytes each, concatenated ('' matches any)
-- ARGV[8] destination name ids, the same way  ARGV[9] the channel to match ('' matches any)
-- An entry without a label (see include/entry.lua) matches no message type or destination filter.
-- Returns { now, exhausted (1: nothing left in range after the last examined), examined, last examined score ('' if
--           none), last examined token, token1, score1, entry1 (false: none stored), recurring1 (1/0), occurrence1 ('' or
--           Unix ms), reason1 ('' or the dead-letter reason), token2, ... }
--- @include "clock"
--- @include "entry"

local now = redis_now_ms()
local limit = tonumber(ARGV[5])
local bound = tonumber(ARGV[6])

local function id_set(ids)
  if ids == '' then return nil end
  local set = {}
  for i = 1, #ids, 8 do set[string.sub(ids, i, i + 7)] = true end
  return set
end
local types = id_set(ARGV[7])
local destinations = id_set(ARGV[8])
local channel = ARGV[9]

-- Whether a sorts after b byte by byte, as Redis orders members of equal score (Lua's own '<' follows the locale).
local function bytes_after(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x > y end
  end
  return #a > #b
end

-- The first rank to examine: after the cursor, and not below the range's lowest score.
local start = 0
if ARGV[1] ~= '-inf' then
  start = redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. ARGV[1])
end
if ARGV[3] ~= '' then
  local score = tonumber(ARGV[3])
  local token = ARGV[4]
  local after
  local rank = redis.call('ZRANK', KEYS[1], token)
  if rank and tonumber(redis.call('ZSCORE', KEYS[1], token)) == score then
    after = rank + 1
  else
    -- The cursor's token is gone (or moved): the members with the cursor's score are ordered by token; skip those not
    -- after it (binary search over their ranks).
    local lo = redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. ARGV[3])
    local hi = redis.call('ZCOUNT', KEYS[1], '-inf', ARGV[3])
    while lo < hi do
      local mid = math.floor((lo + hi) / 2)
      local member = redis.call('ZRANGE', KEYS[1], mid, mid)[1]
      if not bytes_after(member, token) then lo = mid + 1 else hi = mid end
    end
    after = lo
  end
  if after > start then start = after end
end

local high = ARGV[2] == '+inf' and math.huge or tonumber(ARGV[2])
local result = { now, 0, 0, '', '' }
local found = 0
local examined = 0
local exhausted = false
while found < limit and examined < bound do
  local chunk = math.min(bound - examined, math.max(limit - found, 16))
  local members = redis.call('ZRANGE', KEYS[1], start, start + chunk - 1, 'WITHSCORES')
  if #members == 0 then
    exhausted = true
    break
  end
  for i = 1, #members, 2 do
    local token = members[i]
    local score = tonumber(members[i + 1])
    if score > high then
      exhausted = true
      break
    end
    examined = examined + 1
    result[4] = members[i + 1]
    result[5] = token
    local entry = redis.call('HGET', KEYS[2], token)
    local match = true
    if types or destinations or channel ~= '' then
      if not entry then
        match = false
      else
        if channel ~= '' and entry_channel(entry) ~= channel then match = false end
        if match and (types or destinations) then
          local type, destination = entry_label(entry)
          if not type then
            match = false
          elseif (types and not types[type]) or (destinations and not destinations[destination]) then
            match = false
          end
        end
      end
    end
    if match then
      found = found + 1
      result[#result + 1] = token
      result[#result + 1] = members[i + 1]
      result[#result + 1] = entry or false
      result[#result + 1] = redis.call('HEXISTS', KEYS[3], token)
      result[#result + 1] = redis.call('HGET', KEYS[3], token .. ':at') or ''
      result[#result + 1] = redis.call('HGET', KEYS[4], token) or ''
      if found >= limit then break end
    end
  end
  -- Stopped inside the chunk (the page is full, or the range ended): the last examined entry says where.
  if exhausted or found >= limit then break end
  start = start + #members / 2
  if #members / 2 < chunk then
    exhausted = true
    break
  end
end

-- Stopped at the page's size or the bound: is anything left in range after the last one examined?
if not exhausted then
  local rank = redis.call('ZRANK', KEYS[1], result[5])
  local next = redis.call('ZRANGE', KEYS[1], rank + 1, rank + 1, 'WITHSCORES')
  if #next == 0 or tonumber(next[2]) > high then exhausted = true end
end

result[2] = exhausted and 1 or 0
result[3] = examined
return result
