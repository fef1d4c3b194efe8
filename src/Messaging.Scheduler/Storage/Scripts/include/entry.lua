-- An entry in the entries hash is 'attempts|channel|' then, for entries written since the counts exist, a label
-- ('#', the 8-byte name id of the message type, the 8-byte name id of the destination: see EntryLabel in C#), then the
-- binary payload. A payload starts with its format version (1, 2 or 3), never with '#', so an entry without a label
-- (written before the counts existed) still reads; it is counted in no per-label count.
-- The readers answer nil for a value that does not start with this header (it was not written by the scheduler).
-- C# reads the same header with EntryHeader.

-- A new entry: no failed delivery yet. label is '' or the 17 bytes '#' .. type id .. destination id.
local function entry_new(channel, label, payload)
  return '0|' .. channel .. '|' .. label .. payload
end

-- The failed deliveries recorded in the entry's header.
local function entry_attempts(entry)
  return tonumber(string.match(entry, '^(%d+)|'))
end

-- The channel, as the trigger key's name holds it.
local function entry_channel(entry)
  return string.match(entry, '^%d+|([^|]*)|')
end

-- The entry's label: the message type's name id and the destination's name id (8 bytes each), or nil when the entry has
-- none (or no header).
local function entry_label(entry)
  local start = string.match(entry, '^%d+|[^|]*|()#')
  if not start or #entry < start + 16 then
    return nil
  end
  return string.sub(entry, start + 1, start + 8), string.sub(entry, start + 9, start + 16)
end

-- The same entry with its attempts replaced; the rest of it (channel, label and payload) is kept byte for byte.
local function entry_with_attempts(entry, attempts)
  local rest = string.match(entry, '^%d+(|.*)$')
  return rest and (attempts .. rest)
end
