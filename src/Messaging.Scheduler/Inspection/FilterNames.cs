using StackExchange.Redis;

namespace Messaging.Scheduler.Inspection;

/// <summary>
/// Turns a filter's message type and destination (a URN or the name after its last colon; an address or the last segment
/// of its path) into the <see cref="NameTable" /> ids that entry labels hold (<see cref="EntryLabel" />). A name's id is the
/// same in every partition (it is derived from the name), so the names of all partitions are read together (HGETALL of
/// each names hash) and kept for a few seconds; a name that matches nothing reads them again once, in case it is new.
/// </summary>
internal sealed class FilterNames
{
    static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);

    readonly RedisConnection _connection;
    readonly SchedulerKeyspace _keyspace;
    readonly TimeProvider _time;
    readonly SemaphoreSlim _reading = new(1, 1);
    IReadOnlyList<string> _names = [];
    long _readAt;
    bool _loaded;

    public FilterNames(RedisConnection connection, SchedulerKeyspace keyspace, TimeProvider time)
    {
        _connection = connection;
        _keyspace = keyspace;
        _time = time;
    }

    /// <summary>The ids of the message types the filter names (URN, or the name after its last colon, ignoring case).</summary>
    public Task<byte[]> MessageTypes(string value, CancellationToken cancellationToken) =>
        Ids(value, name => name.StartsWith("urn:message:", StringComparison.OrdinalIgnoreCase)
            && (string.Equals(name, value, StringComparison.OrdinalIgnoreCase)
                || string.Equals(name[(name.LastIndexOf(':') + 1)..], value, StringComparison.OrdinalIgnoreCase)), cancellationToken);

    /// <summary>The ids of the addresses the filter names (the address, or the last segment of its path, ignoring case).</summary>
    public Task<byte[]> Destinations(string value, CancellationToken cancellationToken) =>
        Ids(value, name => string.Equals(name, value, StringComparison.OrdinalIgnoreCase)
            || (Uri.TryCreate(name, UriKind.Absolute, out var address) && address.Segments.Length > 1
                && string.Equals(address.Segments[^1].TrimEnd('/'), value, StringComparison.OrdinalIgnoreCase)), cancellationToken);

    /// <summary>The ids (8 bytes each, concatenated, as <c>page.lua</c> takes them) of the stored names that match; the
    /// value's own id is always among them, so an exact name matches even before it is in the names hashes.</summary>
    async Task<byte[]> Ids(string value, Func<string, bool> matches, CancellationToken cancellationToken)
    {
        var ids = new HashSet<ulong> { NameTable.IdOf(value) };
        var names = await Names(refresh: false, cancellationToken).ConfigureAwait(false);
        var found = AddMatching(names, matches, ids);
        if (!found)
            AddMatching(await Names(refresh: true, cancellationToken).ConfigureAwait(false), matches, ids);
        return ids.SelectMany(NameTable.Field).ToArray();
    }

    static bool AddMatching(IReadOnlyList<string> names, Func<string, bool> matches, HashSet<ulong> ids)
    {
        var found = false;
        foreach (var name in names)
        {
            if (matches(name))
            {
                ids.Add(NameTable.IdOf(name));
                found = true;
            }
        }

        return found;
    }

    async Task<IReadOnlyList<string>> Names(bool refresh, CancellationToken cancellationToken)
    {
        if (!refresh && Volatile.Read(ref _loaded) && _time.GetElapsedTime(Volatile.Read(ref _readAt)) < CacheFor)
            return _names;

        await _reading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var db = await _connection.Database().ConfigureAwait(false);
            var reads = _keyspace.Partitions.Select(p => db.HashValuesAsync(p.Names)).ToArray();
            await Task.WhenAll(reads).ConfigureAwait(false);
            _names = reads.SelectMany(r => r.Result).Where(v => !v.IsNullOrEmpty).Select(v => (string)v!).Distinct(StringComparer.Ordinal).ToArray();
            Volatile.Write(ref _readAt, _time.GetTimestamp());
            Volatile.Write(ref _loaded, true);
            return _names;
        }
        finally
        {
            _reading.Release();
        }
    }
}
