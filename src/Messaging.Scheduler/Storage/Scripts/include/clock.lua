-- The Redis clock (TIME: seconds and microseconds) in Unix ms: the one clock every due-time decision is made on.
local function redis_now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
