-- Searches one slice of a partition's entries for a MessageId or CorrelationId, for IRedisScheduledMessages.Find.
-- Read-only; the caller walks the hash with the returned cursor (HSCAN: an entry stored throughout is seen at least once).
-- KEYS[1] entries (hash: token -> 'attempts|channel|' [label] payload, see include/entry.lua)
-- ARGV[1] the HSCAN cursor ('0' to start)  ARGV[2] about how many entries to look at (HSCAN COUNT)
-- ARGV[3] the id's 16 bytes (Guid.ToByteArray)  ARGV[4] the id as text (36 characters, lower case)
-- A format 2 payload (CompactEnvelope) starts with 2, its field flags (7-bit varint), then the ids it has, 16 bytes each, in
-- the order MessageId (flag 1), RequestId (2), CorrelationId (4), ...: those two are compared exactly. A format 1 or 3
-- payload (a whole envelope) is searched for the id's text; the caller checks each candidate.
-- Returns { next cursor ('0': done), entries looked at, token1, token2, ... }

local id = ARGV[3]
local text = ARGV[4]

local function payload_start(entry)
  local start = string.match(entry, '^%d+|[^|]*|()')
  if not start then return nil end
  if string.sub(entry, start, start) == '#' then start = start + 17 end
  return start
end

local function matches(entry)
  local p = payload_start(entry)
  if not p then return false end
  local version = string.byte(entry, p)
  if version == 2 then
    local flags, shift, i = 0, 1, p + 1
    while true do
      local b = string.byte(entry, i)
      if not b then return false end
      i = i + 1
      flags = flags + (b % 128) * shift
      if b < 128 then break end
      shift = shift * 128
    end
    local function has(bit) return math.floor(flags / bit) % 2 == 1 end
    if has(1) then
      if string.sub(entry, i, i + 15) == id then return true end
      i = i + 16
    end
    if has(2) then i = i + 16 end
    if has(4) and string.sub(entry, i, i + 15) == id then return true end
    return false
  end
  if version == 1 or version == 3 then
    return string.find(entry, text, p, true) ~= nil
  end
  return false
end

local scan = redis.call('HSCAN', KEYS[1], ARGV[1], 'COUNT', tonumber(ARGV[2]))
local fields = scan[2]
local result = { scan[1], #fields / 2 }
for i = 1, #fields, 2 do
  if matches(fields[i + 1]) then
    result[#result + 1] = fields[i]
  end
end
return result
