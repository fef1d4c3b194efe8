-- Reads a legacy key's state (the seed's SET SELLER:AAA 1 EX 900), by the clock of the server that holds it.
-- KEYS[1] the legacy key (no hash tag: it lives in its own slot, which is why this is a script of its own)
-- Returns { absolute expiry in Unix ms (-1: no TTL, -2: no such key), the Redis clock in Unix ms }.
--- @include "clock"
return { redis.call('PEXPIRETIME', KEYS[1]), redis_now_ms() }
