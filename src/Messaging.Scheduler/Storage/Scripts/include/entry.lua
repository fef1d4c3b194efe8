-- An entry in the entries hash is 'attempts|channel|payload': ASCII digits, '|', the channel, '|', the binary payload.
-- The readers answer nil for a value that does not start with this header (it was not written by the scheduler).
-- C# reads the same header with EntryHeader.

-- A new entry: no failed delivery yet.
local function entry_new(channel, payload)
  return '0|' .. channel .. '|' .. payload
end

-- The failed deliveries recorded in the entry's header.
local function entry_attempts(entry)
  return tonumber(string.match(entry, '^(%d+)|'))
end

-- The channel, as the trigger key's name holds it.
local function entry_channel(entry)
  return string.match(entry, '^%d+|([^|]*)|')
end

-- The same entry with its attempts replaced; the rest of it (channel and payload) is kept byte for byte.
local function entry_with_attempts(entry, attempts)
  local rest = string.match(entry, '^%d+(|.*)$')
  return rest and (attempts .. rest)
end
