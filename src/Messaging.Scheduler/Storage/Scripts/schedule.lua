-- Stores (or replaces) one scheduled message, atomically.
-- KEYS[1] due index (zset: token -> due ms)     KEYS[2] in-flight set (zset: token -> lease expiry ms)
-- KEYS[3] entries (hash: token -> "attempts|channel|payload", see include/entry.lua)
-- KEYS[4] dead-letter set (zset)                KEYS[5] dead-letter reasons (hash)
-- KEYS[6] recurring definitions (hash)          KEYS[7] paused recurring schedules (hash)
-- KEYS[8] the TTL trigger key, <prefix>{p}:<CHANNEL>:<token>
-- KEYS[9] the token's cancel marker, <prefix>{p}:cancelled:<token>
-- KEYS[10] the names the entries refer to (hash: 8-byte id -> address, message type or host)
-- KEYS[11] the counts (hash, see include/counts.lua)
-- ARGV[1] token  ARGV[2] due time, Unix ms  ARGV[3] channel  ARGV[4] payload
-- ARGV[5] "1" to write the trigger key  ARGV[6] wake-up channel
-- ARGV[7] when the schedule command was sent, Unix ms (0: not a command; the marker is not checked)
-- ARGV[8] the recurring schedule's definition (JSON), or '' for a one-time message
-- ARGV[9] the entry's label (17 bytes, include/entry.lua), or '' for an entry that is not counted
-- ARGV[10], ARGV[11], ... pairs of name id and name that the payload and the label refer to
-- Returns { 1, milliseconds until due by the Redis clock (0 or less: due at once) },
-- or { 0 } when a cancel for this token was sent after this command (the commands arrived out of order).
-- At Redis's memory limit the script fails with Redis's OOM error before writing anything.
--- @include "clock"
--- @include "entry"
--- @include "counts"

local token = ARGV[1]
local due = tonumber(ARGV[2])

local sent = tonumber(ARGV[7])
if sent > 0 then
  local cancelledAt = redis.call('GET', KEYS[9])
  if cancelledAt and tonumber(cancelledAt) >= sent then
    return { 0 }
  end
end

local now = redis_now_ms()

-- An entry replaced under this token leaves the counts in the state it was in (reads only: the first write stays below).
local old = redis.call('HEXISTS', KEYS[3], token) == 1 and redis.call('HGET', KEYS[3], token)
local entry = entry_new(ARGV[3], ARGV[9], ARGV[4])

-- The entry is the first write, and HSET is a command Redis refuses at its memory limit ('maxmemory', noeviction):
-- then the script stops here with an OOM error and nothing is written. Redis checks the limit only at a script's
-- first write (after that it runs to the end), so no write that Redis lets through at the limit (ZREM, HDEL, DEL)
-- may come before this one.
redis.call('HSET', KEYS[3], token, entry)

-- A message being delivered under this token is not touched (it is too late to stop it);
-- dropping its claim makes the old delivery's acknowledgement leave this new entry alone.
redis.call('ZREM', KEYS[2], token)
local wasDead = redis.call('ZREM', KEYS[4], token) == 1
redis.call('HDEL', KEYS[5], token)
counts_entry(KEYS[11], old, wasDead and 'd' or 'p', -1)
if ARGV[9] ~= '' then
  counts_label(KEYS[11], string.sub(ARGV[9], 2, 9), string.sub(ARGV[9], 10, 17), ARGV[3], 'p', 1)
end

-- The names the entry refers to (in the same atomic step, so an entry never refers to a name that is not stored).
-- A name never changes (its id is its hash).
for i = 10, #ARGV, 2 do
  redis.call('HSETNX', KEYS[10], ARGV[i], ARGV[i + 1])
end

redis.call('ZADD', KEYS[1], due, token)
redis.call('HDEL', KEYS[7], token)
if ARGV[8] ~= '' then
  redis.call('HSET', KEYS[6], token, ARGV[8], token .. ':at', due)
else
  redis.call('HDEL', KEYS[6], token, token .. ':at')
end

local ttl = due - now
if ARGV[5] == '1' and ttl > 0 then
  redis.call('SET', KEYS[8], '1', 'PX', ttl)
else
  redis.call('DEL', KEYS[8])
end

-- Wake the bridges only when this entry became the earliest one: they sleep until the head is due.
local head = redis.call('ZRANGE', KEYS[1], 0, 0)
if head[1] == token then
  redis.call('PUBLISH', ARGV[6], due)
end

return { 1, ttl }
