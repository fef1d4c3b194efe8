-- Imports one legacy key (SET SELLER:AAA 1 EX 900) as a scheduled message, at most once per expiry of the key.
-- KEYS[1] due index   KEYS[2] in-flight set   KEYS[3] entries   KEYS[4] dead-letter set   KEYS[5] dead-letter reasons
-- KEYS[6] the TTL trigger key <prefix>{p}:<CHANNEL>:<token>   KEYS[7] names
-- KEYS[8] the key's import mark <prefix>{p}:legacy:<legacy key>: the expiry (Unix ms) it was imported with
-- KEYS[9] the counts (hash, see include/counts.lua)
-- ARGV[1] token  ARGV[2] the key's expiry, Unix ms; 0 when the key has expired already and was never imported
-- ARGV[3] channel  ARGV[4] payload  ARGV[5] "1" to write the trigger key  ARGV[6] wake-up channel
-- ARGV[7] how long a mark is kept after its expiry, ms
-- ARGV[8] the entry's label (17 bytes, include/entry.lua), or '' for an entry that is not counted
-- ARGV[9], ARGV[10], ... pairs of name id and name that the payload and the label refer to
-- Returns { 1, ms until due (0 or less: due at once), due } imported; { 0, the marked expiry } already imported.
--- @include "clock"
--- @include "entry"
--- @include "counts"

local token = ARGV[1]
local expiry = tonumber(ARGV[2])
local keep = tonumber(ARGV[7])
local now = redis_now_ms()
local marked = tonumber(redis.call('GET', KEYS[8]) or '0')

if expiry > 0 then
  -- The same expiry again (its set and expire events, the start-up sweep, a second bridge): nothing to do.
  -- Another expiry is the key set again: the waiting message is rescheduled, as in the seed.
  if marked == expiry then
    return { 0, marked }
  end
else
  -- An expired event: the key was imported unless no mark holds an expiry this recent.
  if marked > 0 and marked >= now - keep then
    return { 0, marked }
  end
  expiry = now
end

-- As schedule.lua: the entry is the first write, so that Redis at its memory limit refuses the import before anything
-- is written; a delivery in flight under this token is left alone, its claim dropped so that its acknowledgement leaves
-- the new entry be.
local old = redis.call('HEXISTS', KEYS[3], token) == 1 and redis.call('HGET', KEYS[3], token)
redis.call('HSET', KEYS[3], token, entry_new(ARGV[3], ARGV[8], ARGV[4]))
redis.call('ZREM', KEYS[2], token)
local wasDead = redis.call('ZREM', KEYS[4], token) == 1
redis.call('HDEL', KEYS[5], token)
counts_entry(KEYS[9], old, wasDead and 'd' or 'p', -1)
if ARGV[8] ~= '' then
  counts_label(KEYS[9], string.sub(ARGV[8], 2, 9), string.sub(ARGV[8], 10, 17), ARGV[3], 'p', 1)
end
for i = 9, #ARGV, 2 do
  redis.call('HSETNX', KEYS[7], ARGV[i], ARGV[i + 1])
end
redis.call('ZADD', KEYS[1], expiry, token)

local ttl = expiry - now
if ARGV[5] == '1' and ttl > 0 then
  redis.call('SET', KEYS[6], '1', 'PX', ttl)
else
  redis.call('DEL', KEYS[6])
end

-- The mark, in the same script: a later event for this expiry, or another bridge, finds it and does nothing.
redis.call('SET', KEYS[8], expiry, 'PX', math.max(ttl, 0) + keep)

local head = redis.call('ZRANGE', KEYS[1], 0, 0)
if head[1] == token then
  redis.call('PUBLISH', ARGV[6], expiry)
end

return { 1, ttl, expiry }
