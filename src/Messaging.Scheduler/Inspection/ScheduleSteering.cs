using StackExchange.Redis;

namespace Messaging.Scheduler.Inspection;

/// <summary>
/// The changes of <see cref="IRedisScheduledMessages" />: cancel, reschedule, run now, requeue or delete dead letters,
/// pause and resume a recurring schedule. Each is a Lua script on the Redis clock that leaves a message in flight alone
/// (<see cref="ScheduledMessageChange.TooLate" />) and keeps the counts in the same step.
/// </summary>
internal sealed class ScheduleSteering
{
    /// <summary>How many dead letters one call of <c>dead-letters.lua</c> looks at: short enough not to hold Redis up.</summary>
    internal const int DeadLetterSlice = 500;

    readonly RedisScheduleStore _store;
    readonly RedisConnection _connection;

    public ScheduleSteering(RedisScheduleStore store, RedisConnection connection)
    {
        _store = store;
        _connection = connection;
    }

    public async Task<ScheduledMessageChange> Cancel(string token, CancellationToken cancellationToken)
    {
        var stored = StoredToken.Parse(token);
        cancellationToken.ThrowIfCancellationRequested();

        // A recurring schedule is cancelled as a whole, even while an occurrence is in flight (that one is delivered).
        if (stored.IsSchedule && await _store.ChangeRecurring(stored.Schedule!.Value, RecurringChange.Cancel).ConfigureAwait(false))
            return ScheduledMessageChange.Done;

        foreach (var partition in stored.Partitions(_store.Keyspace))
        {
            switch (await _store.Cancel(partition, stored.Token).ConfigureAwait(false))
            {
                case CancelOutcome.Cancelled:
                    return ScheduledMessageChange.Done;
                case CancelOutcome.TooLate:
                    return ScheduledMessageChange.TooLate;
            }
        }

        return ScheduledMessageChange.NotFound;
    }

    public Task<ScheduledMessageChange> Reschedule(string token, DateTime dueUtc, CancellationToken cancellationToken) =>
        Move(token, RedisScheduleStore.ToUnixMilliseconds(ScheduleWriter.ToUtc(dueUtc)), cancellationToken);

    public Task<ScheduledMessageChange> RunNow(string token, CancellationToken cancellationToken) => Move(token, 0, cancellationToken);

    async Task<ScheduledMessageChange> Move(string token, long dueMilliseconds, CancellationToken cancellationToken)
    {
        var stored = StoredToken.Parse(token);
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var partition in stored.Partitions(_store.Keyspace))
        {
            var change = await _store.Reschedule(partition, stored.Token, Math.Max(0, dueMilliseconds)).ConfigureAwait(false);
            if (change != ScheduledMessageChange.NotFound)
                return change;
        }

        return ScheduledMessageChange.NotFound;
    }

    public async Task<ScheduledMessageChange> PauseRecurring(string token, CancellationToken cancellationToken)
    {
        var stored = StoredToken.Parse(token);
        cancellationToken.ThrowIfCancellationRequested();
        return stored.IsSchedule && await _store.ChangeRecurring(stored.Schedule!.Value, RecurringChange.Pause).ConfigureAwait(false)
            ? ScheduledMessageChange.Done
            : ScheduledMessageChange.NotFound;
    }

    public async Task<ScheduledMessageChange> ResumeRecurring(string token, CancellationToken cancellationToken)
    {
        var stored = StoredToken.Parse(token);
        cancellationToken.ThrowIfCancellationRequested();
        if (!stored.IsSchedule || await _store.ReadRecurring(stored.Schedule!.Value).ConfigureAwait(false) is not { } definition)
            return ScheduledMessageChange.NotFound;

        // From the next occurrence after now, by the Redis clock; a schedule with none left (past its end) is over.
        var next = definition.First(await _store.Now(_store.Keyspace.For(stored.Schedule.Value)).ConfigureAwait(false));
        var change = next == null ? RecurringChange.Cancel : RecurringChange.Resume;
        return await _store.ChangeRecurring(stored.Schedule.Value, change, next).ConfigureAwait(false)
            ? ScheduledMessageChange.Done
            : ScheduledMessageChange.NotFound;
    }

    public Task<long> RequeueDeadLetters(ScheduledMessageFilter filter, IProgress<long>? progress, CancellationToken cancellationToken) =>
        DeadLetters(DeadLetterAction.Requeue, filter, progress, cancellationToken);

    public Task<long> DeleteDeadLetters(ScheduledMessageFilter filter, IProgress<long>? progress, CancellationToken cancellationToken) =>
        DeadLetters(DeadLetterAction.Delete, filter, progress, cancellationToken);

    async Task<long> DeadLetters(DeadLetterAction action, ScheduledMessageFilter filter, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var total = 0L;
        foreach (var partition in _store.Keyspace.Partitions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (types, destinations) = await Ids(partition, filter).ConfigureAwait(false);
            if (types is [] || destinations is [])
                continue;

            var cursor = 0L;
            do
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (done, next) = await _store.DeadLetterSlice(partition, action, cursor, DeadLetterSlice, types ?? [], destinations ?? [], filter.Channel)
                    .ConfigureAwait(false);
                total += done;
                cursor = next;
                progress?.Report(total);
            }
            while (cursor != 0);
        }

        return total;
    }

    /// <summary>The name ids the filter's message type and destination stand for in this partition, 8 bytes each one after
    /// the other: null for a filter on nothing, empty when nothing can match.</summary>
    async Task<(byte[]? Types, byte[]? Destinations)> Ids(PartitionKeys partition, ScheduledMessageFilter filter)
    {
        if (filter.MessageType == null && filter.Destination == null)
            return (null, null);

        // The names of a partition are one per address, message type and producer: few enough to read at once.
        var db = await _connection.Database().ConfigureAwait(false);
        var names = (await db.HashGetAllAsync(partition.Names).ConfigureAwait(false))
            .Where(n => !n.Value.IsNull)
            .Select(n => (string)n.Value!)
            .ToList();
        return (filter.MessageType is { } type ? Join(IdsOf(type, names, IsMessageType)) : null,
            filter.Destination is { } destination ? Join(IdsOf(destination, names, IsDestination)) : null);
    }

    static IEnumerable<ulong> IdsOf(string wanted, List<string> names, Func<string, string, bool> matches) =>
        names.Where(name => matches(name, wanted)).Select(NameTable.IdOf).Append(NameTable.IdOf(wanted)).Distinct();

    /// <summary>The URN itself, or the name after its last colon.</summary>
    internal static bool IsMessageType(string name, string wanted) =>
        name == wanted || (name.StartsWith("urn:message:", StringComparison.Ordinal) && name[(name.LastIndexOf(':') + 1)..] == wanted);

    /// <summary>The address itself, or the last segment of its path.</summary>
    internal static bool IsDestination(string name, string wanted) =>
        name == wanted || (name.Contains("://", StringComparison.Ordinal) && Uri.TryCreate(name, UriKind.Absolute, out var uri)
            && uri.Segments is [.., var last] && last.TrimEnd('/') == wanted);

    static byte[] Join(IEnumerable<ulong> ids) => ids.SelectMany(NameTable.Field).ToArray();
}
