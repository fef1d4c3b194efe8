-- The bridges' reports (see Delivery/BridgeReporter): who has reported lately, by the Redis clock.
-- KEYS[1] <prefix>bridges:seen (sorted set: bridge id -> when it last reported, Unix ms)
-- ARGV[1] 'seen': record that bridge ARGV[2] reports now; 'gone': remove bridge ARGV[2];
--         'list': remove the bridges not seen for ARGV[2] ms and list the others
-- Returns for 'seen' and 'gone': now; for 'list': { now, count of removed, removed id1, ..., id1, seen1, id2, seen2, ... }
--- @include "clock"

local now = redis_now_ms()
if ARGV[1] == 'seen' then
  redis.call('ZADD', KEYS[1], now, ARGV[2])
  return now
end
if ARGV[1] == 'gone' then
  redis.call('ZREM', KEYS[1], ARGV[2])
  return now
end

local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - tonumber(ARGV[2])))
if #stale > 0 then
  redis.call('ZREM', KEYS[1], unpack(stale))
end
local result = { now, #stale }
for _, id in ipairs(stale) do result[#result + 1] = id end
local live = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for _, value in ipairs(live) do result[#result + 1] = value end
return result
