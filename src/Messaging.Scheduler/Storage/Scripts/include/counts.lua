--- @include "entry"
-- The counts hash, <prefix>{p}:counts: how many stored entries there are per label, kept by every script that adds,
-- replaces or deletes an entry or moves it in or out of the dead-letter set, in the same step, so they cannot drift.
-- Fields: '<state>:t:<type id>', '<state>:n:<destination id>', '<state>:c:<channel>', where state is 'p' (pending:
-- stored and not dead-lettered: waiting, in flight or paused) or 'd' (dead-lettered), and an id is the 8-byte name id
-- of the entry's label (include/entry.lua). A field that falls to 0 is removed. An entry without a label is not counted.
-- C# reads them in ScheduleCounts.

local function counts_field(key, field, delta)
  if redis.call('HINCRBY', key, field, delta) == 0 then
    redis.call('HDEL', key, field)
  end
end

-- Adds delta (1 or -1) to the counts of a label: its message type id, destination id and channel, in state 'p' or 'd'.
local function counts_label(key, messageType, destination, channel, state, delta)
  counts_field(key, state .. ':t:' .. messageType, delta)
  counts_field(key, state .. ':n:' .. destination, delta)
  counts_field(key, state .. ':c:' .. channel, delta)
end

-- Adds delta (1 or -1) to the counts of a stored entry in state 'p' or 'd'; nothing for a missing entry or one without
-- a label.
local function counts_entry(key, entry, state, delta)
  if not entry then
    return
  end
  local messageType, destination = entry_label(entry)
  if messageType then
    counts_label(key, messageType, destination, entry_channel(entry) or '', state, delta)
  end
end
