-- The idempotent consumer's mark of one message for one consumer (one key: Cluster-safe as it is).
-- The value is 'done' once the consumer succeeded, or 'lease:<owner>' while one runs it.
-- KEYS[1] <prefix><consumer>:<MessageId>
-- ARGV[1] action: 'done', 'release' or 'renew'   ARGV[2] the owner's lease value   ARGV[3] milliseconds
-- done:    the consumer succeeded: the mark becomes 'done' for ARGV[3] ms (whoever held it). Returns 1.
-- release: the consumer threw: the lease is removed if it is still ours, so that a retry runs it. Returns 1 if removed.
-- renew:   the consumer still runs: the lease is extended to ARGV[3] ms if it is still ours. Returns 1 if renewed.
local action = ARGV[1]
if action == 'done' then
  redis.call('SET', KEYS[1], 'done', 'PX', ARGV[3])
  return 1
end

if redis.call('GET', KEYS[1]) ~= ARGV[2] then
  return 0
end

if action == 'release' then
  redis.call('DEL', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 1
