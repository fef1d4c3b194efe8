using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace Messaging.Scheduler.Entries;

/// <summary>
/// The strings that thousands of entries share (destination and source addresses, message type URNs, the sending host's
/// description) are stored once per partition, in <c>&lt;prefix&gt;{p}:names</c>, and each entry refers to them by an
/// 8-byte id: the first 8 bytes of the string's SHA-256. The id is derived from the content, so a name never changes once
/// written and the bridge can cache it for good; <c>schedule.lua</c> writes the names an entry uses in the same step as the
/// entry, so an entry never refers to a name that is not there.
/// </summary>
internal sealed class NameTable
{
    /// <summary>More distinct names than any real system has (they are per address and per producer process); past it the
    /// cache starts again rather than grow without bound.</summary>
    const int CacheLimit = 100_000;

    static readonly ConcurrentDictionary<string, ulong> Ids = new(StringComparer.Ordinal);

    readonly RedisConnection _connection;
    readonly ConcurrentDictionary<ulong, string> _cache = new();

    public NameTable(RedisConnection connection)
    {
        _connection = connection;
    }

    /// <summary>The id a name is stored under.</summary>
    public static ulong IdOf(string name)
    {
        if (Ids.TryGetValue(name, out var known))
            return known;

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(name), hash);
        var id = BinaryPrimitives.ReadUInt64LittleEndian(hash);
        if (Ids.Count >= CacheLimit)
            Ids.Clear();
        Ids[name] = id;
        return id;
    }

    /// <summary>The hash field an id is stored under: its 8 bytes.</summary>
    public static byte[] Field(ulong id)
    {
        var field = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(field, id);
        return field;
    }

    /// <summary>The names of <paramref name="ids" />, from the cache or, for those not cached yet, from the partition's table.</summary>
    /// <returns>The names found; an id the table does not hold is missing from it.</returns>
    public async ValueTask<IReadOnlyDictionary<ulong, string>> Load(PartitionKeys partition, IEnumerable<ulong> ids)
    {
        var found = new Dictionary<ulong, string>();
        List<ulong>? missing = null;
        foreach (var id in ids)
        {
            if (found.ContainsKey(id))
                continue;
            if (_cache.TryGetValue(id, out var cached))
                found[id] = cached;
            else if (!(missing ??= []).Contains(id))
                missing.Add(id);
        }

        if (missing == null)
            return found;

        var db = await _connection.Database().ConfigureAwait(false);
        var values = await db.HashGetAsync(partition.Names, missing.Select(id => (RedisValue)Field(id)).ToArray()).ConfigureAwait(false);
        if (_cache.Count + missing.Count > CacheLimit)
            _cache.Clear();
        for (var i = 0; i < missing.Count; i++)
        {
            if (values[i].IsNull)
                continue;
            string name = values[i]!;
            found[missing[i]] = name;
            _cache[missing[i]] = name;
        }

        return found;
    }
}
