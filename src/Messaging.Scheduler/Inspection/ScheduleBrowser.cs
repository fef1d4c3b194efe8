using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Scheduler.Inspection;

/// <summary>
/// The reading half of <see cref="IRedisScheduledMessages" />: pages of an index (<see cref="List" />), one message
/// (<see cref="Show" />), a search by id (<see cref="Find" />), the due histogram and the recurring schedules. Only
/// read-only scripts (<c>page.lua</c>, <c>find.lua</c>, <c>show.lua</c>) and plain reads: safe while bridges run.
/// </summary>
internal sealed class ScheduleBrowser
{
    /// <summary>At most this many index entries are looked at per partition and page (a filter that matches few entries
    /// returns a short page with a cursor rather than walk the whole index in one script).</summary>
    internal const int ExaminedPerPartition = 2_000;

    /// <summary>About how many entries <c>find.lua</c> looks at per call.</summary>
    internal const int FindSlice = 1_000;

    static readonly TimeSpan LongestHistogram = TimeSpan.FromDays(30);

    readonly RedisConnection _connection;
    readonly RedisScheduleStore _store;
    readonly EntryReader _reader;
    readonly FilterNames _filterNames;
    readonly RedisSchedulerOptions _options;

    public ScheduleBrowser(RedisConnection connection, RedisScheduleStore store, IOptions<RedisSchedulerOptions> options, TimeProvider time)
    {
        _connection = connection;
        _store = store;
        _options = options.Value;
        _reader = new EntryReader(store.Names);
        _filterNames = new FilterNames(connection, store.Keyspace, time);
    }

    IReadOnlyList<PartitionKeys> Partitions => _store.Keyspace.Partitions;

    public async Task<ScheduledMessagePage> List(ScheduledMessageQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.PageSize is < 1 or > ScheduledMessageQuery.MaxPageSize)
            throw new ArgumentException($"The page size is {query.PageSize}: give 1 to {ScheduledMessageQuery.MaxPageSize}.", nameof(query));
        if (query.State is not (ScheduledMessageState.Waiting or ScheduledMessageState.InFlight or ScheduledMessageState.DeadLettered))
            throw new ArgumentException($"A list shows {nameof(ScheduledMessageState.Waiting)} (which includes overdue messages), " +
                $"{nameof(ScheduledMessageState.InFlight)} or {nameof(ScheduledMessageState.DeadLettered)} messages, not {query.State}; paused recurring " +
                $"schedules are in {nameof(IRedisScheduledMessages.ListRecurring)}.", nameof(query));
        if (query.FromUtc > query.ToUtc)
            throw new ArgumentException($"The range starts ({query.FromUtc:O}) after it ends ({query.ToUtc:O}).", nameof(query));

        var fingerprint = PageCursor.Fingerprint(query);
        PageCursor? cursor = query.Cursor is { } text ? PageCursor.Decode(text, fingerprint) : null;

        var filter = query.Filter ?? ScheduledMessageFilter.All;
        var types = filter.MessageType is { Length: > 0 } type ? await _filterNames.MessageTypes(type, cancellationToken).ConfigureAwait(false) : [];
        var destinations = filter.Destination is { Length: > 0 } destination
            ? await _filterNames.Destinations(destination, cancellationToken).ConfigureAwait(false)
            : [];

        var from = query.FromUtc is { } f ? Milliseconds(f).ToString(CultureInfo.InvariantCulture) : "-inf";
        var to = query.ToUtc is { } t ? Milliseconds(t).ToString(CultureInfo.InvariantCulture) : "+inf";
        RedisValue[] values =
        [
            from, to,
            cursor is { } c ? c.Score.ToString("R", CultureInfo.InvariantCulture) : string.Empty,
            cursor?.Token ?? string.Empty,
            query.PageSize, ExaminedPerPartition, types, destinations, filter.Channel ?? string.Empty,
        ];

        var db = await _connection.Database().ConfigureAwait(false);
        var replies = await Task.WhenAll(Partitions.Select(p =>
            db.ScriptEvaluateAsync(LuaScripts.Page, [Index(p, query.State), p.Entries, p.Recurring, p.DeadReasons], values))).WaitAsync(cancellationToken)
            .ConfigureAwait(false);

        var pages = replies.Select((reply, i) => PartitionPage.Read(Partitions[i], reply)).ToArray();
        return await Merge(pages, query, fingerprint).ConfigureAwait(false);
    }

    /// <summary>
    /// Puts the partitions' pages together in (score, token) order. A partition that stopped before the end of the range
    /// (its page was full, or it looked at as many entries as it may) has not looked past its last examined entry, so the
    /// page holds only entries up to the earliest such stop; the next cursor starts after the page's last entry, or, when
    /// the page is not full, after that stop.
    /// </summary>
    async Task<ScheduledMessagePage> Merge(PartitionPage[] pages, ScheduledMessageQuery query, string fingerprint)
    {
        (double Score, string Token)? frontier = null;
        foreach (var page in pages.Where(p => !p.Exhausted && p.LastToken != null))
        {
            if (frontier is not { } current || PageCursor.Compare(page.LastScore, page.LastToken!, current.Score, current.Token) < 0)
                frontier = (page.LastScore, page.LastToken!);
        }

        var candidates = pages.SelectMany(p => p.Items)
            .Where(item => frontier is not { } limit || PageCursor.Compare(item.Score, item.Token, limit.Score, limit.Token) <= 0)
            .OrderBy(item => item.Score).ThenBy(item => item.Token, StringComparer.Ordinal)
            .ToList();
        var items = candidates.Take(query.PageSize).ToList();

        string? next = null;
        if (items.Count == query.PageSize && (candidates.Count > items.Count || frontier != null))
            next = new PageCursor(items[^1].Score, items[^1].Token, fingerprint).Encode();
        else if (items.Count < query.PageSize && frontier is { } stop)
            next = new PageCursor(stop.Score, stop.Token, fingerprint).Encode();

        var summaries = new List<ScheduledMessageSummary>(items.Count);
        foreach (var item in items)
            summaries.Add(await _reader.Summary(item.State(query.State)).ConfigureAwait(false));
        return new ScheduledMessagePage(summaries, next, pages.Sum(p => p.Examined));
    }

    public async Task<ScheduledMessageDetails?> Show(string token, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        var state = await Read(token, cancellationToken).ConfigureAwait(false);
        return state == null ? null : await _reader.Details(state, _options.ShowMessageBodies).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ScheduledMessageSummary>> Find(Guid id, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var found = new List<ScheduledMessageSummary>();
        var seen = new HashSet<(int, string)>();
        var token = SchedulerKeyspace.Format(id);
        if (await Read(_store.Keyspace.For(id), token, cancellationToken).ConfigureAwait(false) is { } byToken)
        {
            found.Add(await _reader.Summary(byToken).ConfigureAwait(false));
            seen.Add((byToken.Partition.Partition, token));
        }

        RedisValue[] idValues = [id.ToByteArray(), id.ToString("D")];
        var db = await _connection.Database().ConfigureAwait(false);
        long searched = 0;
        foreach (var partition in Partitions)
        {
            var cursor = "0";
            do
            {
                cancellationToken.ThrowIfCancellationRequested();
                var reply = (RedisResult[])(await db.ScriptEvaluateAsync(LuaScripts.Find, [partition.Entries], [cursor, FindSlice, idValues[0], idValues[1]])
                    .WaitAsync(cancellationToken).ConfigureAwait(false))!;
                cursor = (string)reply[0]!;
                searched += (long)reply[1];
                for (var i = 2; i < reply.Length; i++)
                {
                    var candidate = (string)reply[i]!;
                    if (!seen.Add((partition.Partition, candidate)))
                        continue;
                    if (await Read(partition, candidate, cancellationToken).ConfigureAwait(false) is not { } state)
                        continue;
                    var summary = await _reader.Summary(state).ConfigureAwait(false);
                    if (summary.MessageId == id || summary.CorrelationId == id)
                        found.Add(summary);
                }

                progress?.Report(searched);
            }
            while (cursor != "0");
        }

        return found;
    }

    public async Task<DueHistogram> DueHistogram(TimeSpan range, int buckets, CancellationToken cancellationToken)
    {
        if (range <= TimeSpan.Zero || range > LongestHistogram)
            throw new ArgumentOutOfRangeException(nameof(range), range, $"The range is {range}: give more than zero and at most {LongestHistogram.TotalDays:0} days.");
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(buckets, 500);

        var now = (await _store.Now().WaitAsync(cancellationToken).ConfigureAwait(false)).ToUnixTimeMilliseconds();
        var rangeMs = (long)Math.Ceiling(range.TotalMilliseconds);
        long Edge(int i) => now + rangeMs * i / buckets;

        var db = await _connection.Database().ConfigureAwait(false);
        var batch = db.CreateBatch();
        var counts = new Task<long>[buckets, Partitions.Count];
        for (var p = 0; p < Partitions.Count; p++)
        {
            for (var i = 0; i < buckets; i++)
                counts[i, p] = batch.SortedSetLengthAsync(Partitions[p].Due, Edge(i), Edge(i + 1), Exclude.Start);
        }

        batch.Execute();
        var result = new long[buckets];
        for (var i = 0; i < buckets; i++)
        {
            for (var p = 0; p < Partitions.Count; p++)
                result[i] += await counts[i, p].WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return new DueHistogram(DateTime.UnixEpoch.AddMilliseconds(now), TimeSpan.FromMilliseconds(rangeMs / (double)buckets), result);
    }

    public async Task<RecurringSchedulePage> ListRecurring(string? cursor, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, 500);
        var (partition, scan) = cursor == null ? (0, "0") : RecurringCursor(cursor);

        var db = await _connection.Database().ConfigureAwait(false);
        var items = new List<RecurringScheduleInfo>();
        while (partition < Partitions.Count && items.Count < pageSize)
        {
            var keys = Partitions[partition];
            var reply = (RedisResult[])(await db.ExecuteAsync("HSCAN", keys.Recurring, scan, "COUNT", (pageSize - items.Count) * 2)
                .WaitAsync(cancellationToken).ConfigureAwait(false))!;
            scan = (string)reply[0]!;
            var fields = (RedisResult[])reply[1]!;
            for (var i = 0; i < fields.Length; i += 2)
            {
                var token = (string)fields[i]!;
                if (token.EndsWith(":at", StringComparison.Ordinal))
                    continue;
                if (await Read(keys, token, cancellationToken).ConfigureAwait(false) is { Recurring: not null } state)
                {
                    var summary = await _reader.Summary(state).ConfigureAwait(false);
                    if (EntryReader.RecurringInfo(state, summary.MessageType, summary.Destination) is { } info)
                        items.Add(info);
                }
            }

            if (scan == "0")
                partition++;
        }

        var next = partition < Partitions.Count
            ? System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes($"{partition}:{scan}"))
            : null;
        return new RecurringSchedulePage(items, next);
    }

    (int Partition, string Scan) RecurringCursor(string cursor)
    {
        try
        {
            var parts = System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(cursor)).Split(':');
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
                && partition < Partitions.Count && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _))
                return (partition, parts[1]);
        }
        catch (FormatException)
        {
        }

        throw new ArgumentException($"The cursor '{cursor}' is not one a page of recurring schedules returned: give null for the first page.", nameof(cursor));
    }

    /// <summary>What is stored under a token given in any GUID format (its partition), or exactly as listed (every partition).</summary>
    async Task<StoredState?> Read(string token, CancellationToken cancellationToken)
    {
        var text = token.Trim();
        if (Guid.TryParse(text, out var id))
            return await Read(_store.Keyspace.For(id), SchedulerKeyspace.Format(id), cancellationToken).ConfigureAwait(false);

        // A dead-lettered recurring occurrence, '<token>-<occurrence ms>', lives in its schedule's partition; anything else
        // (a planted entry) may be in any.
        var partitions = text.Length > 33 && text[32] == '-' && Guid.TryParseExact(text[..32], "N", out var schedule)
            ? [_store.Keyspace.For(schedule)]
            : Partitions;
        foreach (var partition in partitions)
        {
            if (await Read(partition, text, cancellationToken).ConfigureAwait(false) is { } state)
                return state;
        }

        return null;
    }

    /// <summary>What <c>show.lua</c> finds under a token in one partition; null when nothing at all.</summary>
    async Task<StoredState?> Read(PartitionKeys partition, string token, CancellationToken cancellationToken)
    {
        var db = await _connection.Database().ConfigureAwait(false);
        var reply = (RedisResult[])(await db.ScriptEvaluateAsync(LuaScripts.Show,
            [partition.Due, partition.InFlight, partition.Entries, partition.Dead, partition.DeadReasons, partition.Recurring, partition.Paused], [token])
            .WaitAsync(cancellationToken).ConfigureAwait(false))!;

        var now = (long)reply[0];
        var entry = reply[1].IsNull ? null : (byte[])reply[1]!;
        var due = Number(reply[2]);
        var inFlight = Number(reply[3]);
        var dead = Number(reply[4]);
        var reason = Text(reply[5]);
        var recurring = Text(reply[6]);
        var occurrence = Number(reply[7]);
        var paused = (long)reply[8] == 1;
        if (entry == null && due == null && inFlight == null && dead == null)
            return null;

        var (state, at, since) = (due, inFlight, dead) switch
        {
            ({ } d, _, _) => (d <= now ? ScheduledMessageState.Overdue : ScheduledMessageState.Waiting, due, (long?)null),
            (_, { } lease, _) => (ScheduledMessageState.InFlight, occurrence, lease),
            (_, _, { } died) => (ScheduledMessageState.DeadLettered, (long?)null, died),
            _ => (paused ? ScheduledMessageState.Paused : ScheduledMessageState.Waiting, (long?)null, (long?)null),
        };
        return new StoredState(partition, token, entry, state, at, since, recurring, occurrence, reason, paused);
    }

    static RedisKey Index(PartitionKeys partition, ScheduledMessageState state) => state switch
    {
        ScheduledMessageState.InFlight => partition.InFlight,
        ScheduledMessageState.DeadLettered => partition.Dead,
        _ => partition.Due,
    };

    static long? Number(RedisResult value) =>
        !value.IsNull && double.TryParse((string?)value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? (long)number : null;

    static string? Text(RedisResult value) => value.IsNull || (string?)value is not { Length: > 0 } text ? null : text;

    /// <summary>Unix ms of a time given by a caller (local times are converted, unspecified ones taken as UTC).</summary>
    static long Milliseconds(DateTime time) =>
        RedisScheduleStore.ToUnixMilliseconds(time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc));
}
