using System.Collections.Concurrent;

namespace Messaging.Scheduler.Storage;

/// <summary>
/// The ids of the names (<see cref="Entries.NameTable" />) this process has stored in one partition's names table, so
/// that <c>schedule.lua</c> is sent only their ids, which it checks, not the names again. Only a hint: the script checks
/// that every such id is still in the table and writes nothing when one is not.
/// </summary>
internal sealed class StoredNames
{
    /// <summary>More than any real system has (names are per address and per producer process); past it the set starts again.</summary>
    const int Limit = 10_000;

    readonly ConcurrentDictionary<ulong, byte> _ids = new();

    /// <summary>Whether the name with this id was stored by this process (as far as it knows).</summary>
    public bool Contains(ulong id) => _ids.ContainsKey(id);

    /// <summary>Records names the script stored (or found stored).</summary>
    public void Add(IEnumerable<ulong> ids)
    {
        foreach (var id in ids)
        {
            if (_ids.Count >= Limit)
                _ids.Clear();
            _ids.TryAdd(id, 0);
        }
    }

    /// <summary>Forgets every id: the partition's table lost a name.</summary>
    public void Clear() => _ids.Clear();
}
