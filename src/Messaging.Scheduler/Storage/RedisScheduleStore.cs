using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Scheduler.Storage;

/// <summary>
/// Step 3 of a message's life, and the seam every other step goes through: the Redis store. Each operation is one Lua
/// script over the keys of one partition, passed as KEYS, decided by the Redis clock (<c>TIME</c>): schedule (or replace),
/// cancel, claim due entries under a lease, acknowledge after the broker confirmed, release after a failure.
/// </summary>
internal sealed class RedisScheduleStore
{
    /// <summary>How long to wait before asking again for a claim whose call failed at once (no connection).</summary>
    static readonly TimeSpan ClaimRetryDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a claim that may have reached Redis is asked for again, at least (see <see cref="Claim" />).</summary>
    static readonly TimeSpan ClaimRetryLimit = TimeSpan.FromMinutes(1);

    readonly RedisConnection _connection;
    readonly RedisSchedulerOptions _options;
    readonly ILogger _logger;

    // Per partition: the last claim whose answer arrived. Its record in Redis is no longer needed; the next claim on the
    // partition deletes it.
    readonly string?[] _answeredClaims;
    Task? _layoutChecked;

    // With WaitForReplicas: the WAIT after each caller's script.
    readonly ReplicaAcknowledgements? _replicaAcknowledgements;

    public RedisScheduleStore(RedisConnection connection, IOptions<RedisSchedulerOptions> options, ILogger<RedisScheduleStore>? logger = null)
    {
        _connection = connection;
        _options = options.Value;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Keyspace = new SchedulerKeyspace(_options.KeyPrefix, _options.Partitions, _options.PartitionLayout);
        Names = new NameTable(connection);
        _answeredClaims = new string?[_options.Partitions];
        if (_options.WaitForReplicas > 0)
            _replicaAcknowledgements = new ReplicaAcknowledgements(_options.WaitForReplicas, _options.WaitForReplicasTimeout);
    }

    public SchedulerKeyspace Keyspace { get; }

    /// <summary>Tests only: runs after a caller's script was answered and before its <c>WAIT</c>
    /// (<see cref="RedisSchedulerOptions.WaitForReplicas" />), to put a fault between the two.</summary>
    internal Func<Task>? AfterWriteForTests { get; set; }

    /// <summary>How many <c>WAIT</c> commands this store sent (<see cref="RedisSchedulerOptions.WaitForReplicas" />).</summary>
    internal long ReplicaWaitsSent => _replicaAcknowledgements?.Sent ?? 0;

    /// <summary>The names entries refer to, cached.</summary>
    public NameTable Names { get; }

    /// <summary>
    /// True (always, in the scheduler): each entry is written with its label, and counted in the partition's counts hash
    /// (<see cref="IRedisScheduledMessages.Counts" />). False writes entries without a label, which no count includes:
    /// it exists only so that the benchmark can measure what the counts cost, side by side. Not an option.
    /// </summary>
    internal bool CountEntries { get; set; } = true;

    /// <summary>Stores an encoded message under its token, replacing any entry that waits under the same token.</summary>
    /// <param name="tokenId">The scheduling token.</param>
    /// <param name="dueUtc">When it is due.</param>
    /// <param name="channel">The channel, part of the trigger key.</param>
    /// <param name="encoded">What to store: the encoded entry and the names it refers to.</param>
    /// <param name="commandSentUtc">For a <c>ScheduleMessage</c> command: when it was sent, so that a cancel command sent
    /// after it but handled before it still wins.</param>
    /// <param name="recurring">For a recurring schedule's first occurrence: its definition.</param>
    /// <returns>How long until it is due by the Redis clock (zero or less: due at once), or null when a later cancel
    /// command had already cancelled this token.</returns>
    public async Task<TimeSpan?> Schedule(Guid tokenId, DateTime dueUtc, string channel, EncodedEntry encoded, DateTime? commandSentUtc = null,
        RecurringDefinition? recurring = null)
    {
        var partition = Keyspace.For(tokenId);
        var token = SchedulerKeyspace.Format(tokenId);

        var keys = partition.ScheduleKeys(channel, token);
        var values = new List<RedisValue>(9 + (encoded.Names.Count + encoded.LabelNames.Count) * 2)
        {
            token,
            ToUnixMilliseconds(dueUtc),
            channel,
            encoded.Payload,
            _options.TriggerKeys && recurring == null ? "1" : "0",
            partition.Wake.ToString(),
            commandSentUtc is { } sent ? ToUnixMilliseconds(sent) : 0,
            recurring?.Write() ?? string.Empty,
        };
        AddLabel(values, encoded);

        var result = (RedisResult[])(await Run(LuaScripts.Schedule, keys, [.. values], "schedule the message " + token, RetryAdvice.Schedule)
            .ConfigureAwait(false))!;
        return (long)result[0] == 1 ? TimeSpan.FromMilliseconds((long)result[1]) : null;
    }

    /// <summary>Appends the entry's label (or '' when entries are not counted) and the names the entry and its label
    /// refer to: the ARGV tail of <c>schedule.lua</c> and <c>legacy-import.lua</c>.</summary>
    internal void AddLabel(List<RedisValue> values, EncodedEntry encoded)
    {
        values.Add(CountEntries ? encoded.Label.ToBytes() : Array.Empty<byte>());
        foreach (var (id, name) in encoded.Names)
        {
            values.Add(NameTable.Field(id));
            values.Add(name);
        }

        foreach (var (id, name) in encoded.LabelNames)
        {
            values.Add(NameTable.Field(id));
            values.Add(name);
        }
    }

    /// <param name="tokenId">The scheduling token.</param>
    /// <param name="commandSentUtc">For a <c>CancelScheduledMessage</c> command: when it was sent (see
    /// <see cref="Schedule" />).</param>
    public Task<CancelOutcome> Cancel(Guid tokenId, DateTime? commandSentUtc = null) =>
        Cancel(Keyspace.For(tokenId), SchedulerKeyspace.Format(tokenId), commandSentUtc);

    /// <summary>Cancels the entry stored under <paramref name="token" /> in <paramref name="partition" />.</summary>
    /// <param name="partition">The token's partition.</param>
    /// <param name="token">The token, as stored.</param>
    /// <param name="commandSentUtc">For a <c>CancelScheduledMessage</c> command: when it was sent (see
    /// <see cref="Schedule" />).</param>
    public async Task<CancelOutcome> Cancel(PartitionKeys partition, string token, DateTime? commandSentUtc = null)
    {
        // The trigger key's name holds the channel, which only the entry knows: read it, then cancel with that key.
        // The script checks the channel again, so a concurrent reschedule under another channel is caught and retried.
        var channel = string.Empty;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var keys = partition.CancelKeys(channel.Length == 0 ? "_" : channel, token);
            RedisValue[] values = [token, channel, commandSentUtc is { } sent ? ToUnixMilliseconds(sent) : 0];
            var reply = await Run(LuaScripts.Cancel, keys, values, "cancel the scheduled message " + token, RetryAdvice.Cancel).ConfigureAwait(false);
            if (ReadCancelReply(reply, out var current) is { } outcome)
                return outcome;

            channel = current;
        }

        throw new RedisSchedulerUnavailableException(
            $"The message {token} was rescheduled under another channel five times while it was being cancelled: nothing was cancelled; try again.",
            RedisSchedulerCallOutcome.NothingChanged, null);
    }

    /// <summary>Reads a claimed entry's message, with the names it refers to.</summary>
    /// <exception cref="FormatException">The entry cannot be read or put together again: it can never be delivered.</exception>
    public async ValueTask<StoredMessage> Read(ClaimedMessage claimed)
    {
        var entry = StoredMessageCodec.Decode(claimed.Payload);
        var names = await Names.Load(claimed.Partition, entry.NameIds).ConfigureAwait(false);
        return entry.Expand(names, claimed.Token);
    }

    /// <summary>Claims up to <see cref="RedisSchedulerOptions.ClaimBatchSize" /> due entries of one partition.</summary>
    /// <remarks>
    /// Each claim carries an id of its own, and <c>claim.lua</c> records under it which entries it took, for the length of
    /// the lease. When the call fails after it may have been sent (a timeout: Redis stalled, paused, or the answer was
    /// lost), Redis may still run it and hold those entries for the whole lease with nobody delivering them. So the claim
    /// is sent again with the same id until an answer arrives: the script then returns what the first run took (or, if the
    /// first never ran, claims as usual; either answer is right, so asking again is always safe). After a stall of S seconds
    /// the entries are delivered S seconds late, not a lease late. It gives up, and throws, after
    /// <see cref="ClaimRetryLimit" /> or a lease, whichever is longer (Redis is more likely down than stalled: what the
    /// claim took comes back when its lease runs out), or at once when no attempt can have reached Redis.
    /// </remarks>
    /// <param name="partition">The partition to claim from.</param>
    /// <param name="max">At most this many (at least 1); by default <see cref="RedisSchedulerOptions.ClaimBatchSize" />.</param>
    /// <param name="cancellationToken">Stops asking again (the host is stopping).</param>
    public async Task<ClaimBatch> Claim(PartitionKeys partition, int? max = null, CancellationToken cancellationToken = default)
    {
        var claimId = Guid.NewGuid().ToString("N");
        var previous = Interlocked.Exchange(ref _answeredClaims[partition.Partition], null);
        var keys = partition.ClaimKeysFor(claimId, previous);
        RedisValue[] values = [Math.Max(1, max ?? _options.ClaimBatchSize), (long)_options.LeaseDuration.TotalMilliseconds, ClaimReplyReader.NoEntry];
        var started = Stopwatch.GetTimestamp();
        var giveUpAfter = _options.LeaseDuration > ClaimRetryLimit ? _options.LeaseDuration : ClaimRetryLimit;
        var mayHaveRun = false;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var db = await Database().ConfigureAwait(false);
                var reply = await db.ScriptEvaluateAsync(LuaScripts.Claim, keys, values).WaitAsync(cancellationToken).ConfigureAwait(false);
                var batch = ClaimReplyReader.Read(partition, reply);
                Volatile.Write(ref _answeredClaims[partition.Partition], claimId);
                if (attempt > 1)
                    SchedulerLog.ClaimAnsweredAfterRetry(_logger, partition.Partition, attempt, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                        batch.Messages.Count);
                return batch;
            }
            catch (Exception ex) when (ex is RedisTimeoutException or RedisConnectionException)
            {
                mayHaveRun |= !WasNotSent(ex);
                var elapsed = Stopwatch.GetElapsedTime(started);
                if (!mayHaveRun || elapsed >= giveUpAfter || cancellationToken.IsCancellationRequested)
                    throw;

                SchedulerLog.ClaimTimedOut(_logger, partition.Partition, attempt, (long)elapsed.TotalMilliseconds, ex.Message);

                // A timeout already waited; a failure without a wait (no connection) must not spin.
                if (ex is RedisConnectionException)
                    await Task.Delay(ClaimRetryDelay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Acknowledges delivered entries of one partition (one or many) in one round trip: each is deleted while its
    /// claim still holds it (false: the claim was lost, its lease taken over or the token scheduled again); for a recurring
    /// schedule, its next occurrence is made due instead, in the same step.</summary>
    /// <param name="partition">The partition every entry lives in.</param>
    /// <param name="acknowledgements">The entries, with the lease each claim returned.</param>
    /// <returns>For each entry, in order: false when its claim was lost.</returns>
    public async Task<bool[]> AcknowledgeMany(PartitionKeys partition, IReadOnlyList<Acknowledgement> acknowledgements)
    {
        if (acknowledgements.Count == 0)
            return [];

        var values = new RedisValue[acknowledgements.Count * 3];
        for (var i = 0; i < acknowledgements.Count; i++)
        {
            var ack = acknowledgements[i];
            values[i * 3] = ack.Token;
            values[i * 3 + 1] = ack.Lease;
            values[i * 3 + 2] = ack.NextOccurrence is { } at ? ToUnixMilliseconds(at.UtcDateTime) : 0;
        }

        var db = await Database().ConfigureAwait(false);
        var result = (RedisResult[])(await db.ScriptEvaluateAsync(LuaScripts.AcknowledgeBatch, partition.AcknowledgeKeys, values).ConfigureAwait(false))!;
        if (result.Length != acknowledgements.Count)
            throw new InvalidOperationException($"ack-batch.lua answered {result.Length} results for {acknowledgements.Count} entries.");

        return result.Select(r => (long)r == 1).ToArray();
    }

    /// <summary>The database, once this process has recorded the keyspace's layout or found it matches the record
    /// (<see cref="LayoutRecord" />): before its first script, every process checks.</summary>
    /// <exception cref="InvalidOperationException">The keyspace is laid out otherwise than this process is configured.</exception>
    async Task<IDatabase> Database()
    {
        var db = await _connection.Database().ConfigureAwait(false);
        var check = Volatile.Read(ref _layoutChecked);
        if (check is null || check.IsFaulted || check.IsCanceled)
        {
            check = LayoutRecord.Check(db, Keyspace, _connection.Describe());
            Volatile.Write(ref _layoutChecked, check);
        }

        if (!check.IsCompletedSuccessfully)
            await check.ConfigureAwait(false);
        return db;
    }

    /// <summary>Records the keyspace's layout, or checks that this process is configured as the record says (the bridge
    /// does it at start, so that a mismatch is logged before anything is claimed).</summary>
    /// <exception cref="InvalidOperationException">The keyspace is laid out otherwise.</exception>
    public Task CheckLayout() => Database();

    /// <summary>The Redis clock: the one clock every due-time decision is made on.</summary>
    /// <remarks>On a Redis Cluster each primary has its own clock, and the scripts decide by the clock of the primary that
    /// holds their partition: <c>TIME</c> is asked of that primary (the one that holds <paramref name="partition" />'s
    /// slot; partition 0's when none is given, for a reading that concerns no single partition, such as the inspection's
    /// "overdue" line, where the primaries' clocks, kept by NTP, differ by far less than it shows).</remarks>
    /// <param name="partition">The partition the decision is about (a recurring schedule's first occurrence: its token's).</param>
    public async Task<DateTimeOffset> Now(PartitionKeys? partition = null)
    {
        await Database().ConfigureAwait(false);
        var multiplexer = await _connection.Get().ConfigureAwait(false);
        var server = multiplexer.GetServer((partition ?? Keyspace.Partitions[0]).Due);
        var time = await server.TimeAsync().ConfigureAwait(false);
        return DateTimeOffset.FromUnixTimeMilliseconds(new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToUnixTimeMilliseconds());
    }

    /// <summary>The definition of the recurring schedule with this token, or null.</summary>
    public async Task<RecurringDefinition?> ReadRecurring(Guid tokenId)
    {
        var partition = Keyspace.For(tokenId);
        var db = await Database().ConfigureAwait(false);
        var json = await db.HashGetAsync(partition.Recurring, SchedulerKeyspace.Format(tokenId)).ConfigureAwait(false);
        return json.IsNullOrEmpty ? null : RecurringDefinition.Read(json!);
    }

    /// <summary>Cancels, pauses or resumes a recurring schedule.</summary>
    /// <param name="tokenId">The schedule's token.</param>
    /// <param name="change">Cancel, pause or resume.</param>
    /// <param name="nextOccurrence">For resume: the next occurrence.</param>
    /// <returns>False when there is no such schedule (or, for resume, it was not paused).</returns>
    public async Task<bool> ChangeRecurring(Guid tokenId, RecurringChange change, DateTimeOffset? nextOccurrence = null)
    {
        var partition = Keyspace.For(tokenId);
        var next = nextOccurrence is { } at ? ToUnixMilliseconds(at.UtcDateTime) : 0;
        var action = change switch
        {
            RecurringChange.Cancel => "cancel",
            RecurringChange.Pause => "pause",
            RecurringChange.Resume => "resume",
            _ => throw new ArgumentOutOfRangeException(nameof(change), change, "No such change to a recurring schedule."),
        };
        var result = await Run(LuaScripts.Recurring, partition.RecurringKeys, [SchedulerKeyspace.Format(tokenId), action, next], action + " a recurring schedule",
                RetryAdvice.Change)
            .ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <summary>Makes a claimed entry due again after <paramref name="delay" />, or dead-letters it.</summary>
    /// <param name="partition">The entry's partition.</param>
    /// <param name="token">The entry's token.</param>
    /// <param name="lease">The lease its claim returned.</param>
    /// <param name="delay">How long until it is due again.</param>
    /// <param name="countAttempt">False when the failure was not the message's fault (the broker was down).</param>
    /// <param name="attemptsAllowed">Attempts before it is dead-lettered; 0 dead-letters it now.</param>
    /// <param name="reason">Why it failed: kept as the entry's last failure (and with it when dead-lettered).</param>
    /// <param name="recurring">True for an occurrence of a recurring schedule: when it is dead-lettered, it is kept under a
    /// token of its own (<c>&lt;token&gt;-&lt;occurrence ms&gt;</c>) and the schedule goes on with
    /// <paramref name="nextOccurrence" /> (none: it has ended, and is removed). False dead-letters the entry itself.</param>
    /// <param name="nextOccurrence">For a recurring schedule: its next occurrence, as for an acknowledgement; null when it
    /// has ended.</param>
    /// <returns>Retried or dead-lettered, with the attempts made; or that the claim was lost.</returns>
    public async Task<ReleaseResult> Release(PartitionKeys partition, string token, long lease, TimeSpan delay, bool countAttempt, int attemptsAllowed,
        string reason, bool recurring = false, DateTimeOffset? nextOccurrence = null)
    {
        var db = await Database().ConfigureAwait(false);
        var reply = await db.ScriptEvaluateAsync(LuaScripts.Release, partition.ReleaseKeys,
            [token, lease, (long)delay.TotalMilliseconds, countAttempt ? "1" : "0", attemptsAllowed, reason,
                !recurring ? 0 : nextOccurrence is { } next ? ToUnixMilliseconds(next.UtcDateTime) : -1]).ConfigureAwait(false);
        return ReleaseResult.Read(reply);
    }

    /// <summary>Moves a waiting (or overdue, or paused recurring) entry to another due time, unless it is in flight (see
    /// <c>reschedule.lua</c>).</summary>
    /// <param name="partition">The token's partition.</param>
    /// <param name="token">The token, as stored.</param>
    /// <param name="dueMilliseconds">The new due time, Unix ms; 0 or a time in the past: now by the Redis clock.</param>
    public async Task<ScheduledMessageChange> Reschedule(PartitionKeys partition, string token, long dueMilliseconds)
    {
        var channel = string.Empty;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var keys = partition.RescheduleKeys(channel.Length == 0 ? "_" : channel, token);
            RedisValue[] values = [token, dueMilliseconds, channel, _options.TriggerKeys ? "1" : "0", partition.Wake.ToString()];
            var fields = (RedisResult[])(await Run(LuaScripts.Reschedule, keys, values, "reschedule the message " + token, RetryAdvice.Change)
                .ConfigureAwait(false))!;
            switch ((long)fields[0])
            {
                case 0:
                    return ScheduledMessageChange.NotFound;
                case 1:
                    return ScheduledMessageChange.Done;
                case 2:
                    return ScheduledMessageChange.TooLate;
                case 3:
                    channel = (string)fields[1]!;
                    break;
                default:
                    throw new InvalidOperationException($"reschedule.lua answered {(long)fields[0]}, which is no outcome.");
            }
        }

        throw new RedisSchedulerUnavailableException(
            $"The message {token} was rescheduled under another channel five times while it was being moved: nothing was changed; try again.",
            RedisSchedulerCallOutcome.NothingChanged, null);
    }

    /// <summary>Requeues or deletes the dead letters of one partition that match, one slice from <paramref name="cursor" />
    /// (see <c>dead-letters.lua</c>).</summary>
    /// <param name="partition">The partition.</param>
    /// <param name="action">Requeue (due now, attempts reset) or delete.</param>
    /// <param name="cursor">0 to start, then the cursor the last slice returned.</param>
    /// <param name="slice">How many dead letters to look at.</param>
    /// <param name="types">The message type name ids that match, 8 bytes each ('': any).</param>
    /// <param name="destinations">The destination name ids that match, 8 bytes each ('': any).</param>
    /// <param name="channel">The channel that matches; null: any.</param>
    /// <returns>How many were requeued or deleted, and the next cursor (0: done).</returns>
    public async Task<(long Done, long Cursor)> DeadLetterSlice(PartitionKeys partition, DeadLetterAction action, long cursor, int slice, byte[] types,
        byte[] destinations, string? channel)
    {
        RedisValue[] values =
        [
            action == DeadLetterAction.Delete ? "delete" : "requeue", cursor, slice, types, destinations, channel == null ? "0" : "1", channel ?? string.Empty,
        ];
        var fields = (RedisResult[])(await Run(LuaScripts.DeadLetters, partition.DeadLettersKeys, values,
            (action == DeadLetterAction.Delete ? "delete" : "requeue") + " dead letters", RetryAdvice.Change).ConfigureAwait(false))!;
        return ((long)fields[0], (long)fields[1]);
    }

    /// <summary>One partition's counts, in one step (see <c>read-counts.lua</c>).</summary>
    public async Task<RedisResult[]> ReadCounts(PartitionKeys partition)
    {
        var db = await Database().ConfigureAwait(false);
        return (RedisResult[])(await db.ScriptEvaluateAsync(LuaScripts.ReadCounts, partition.CountsKeys).ConfigureAwait(false))!;
    }

    /// <summary>Reads <c>cancel.lua</c>'s reply: <c>{ 0 }</c> not found, <c>{ 1 }</c> cancelled, <c>{ 2 }</c> too late;
    /// <c>{ 3, channel }</c> (null) when the entry is stored under another channel than the one the caller read.</summary>
    static CancelOutcome? ReadCancelReply(RedisResult reply, out string channel)
    {
        var fields = (RedisResult[])reply!;
        channel = string.Empty;
        switch ((long)fields[0])
        {
            case 0:
                return CancelOutcome.NotFound;
            case 1:
                return CancelOutcome.Cancelled;
            case 2:
                return CancelOutcome.TooLate;
            case 3:
                channel = (string)fields[1]!;
                return null;
            default:
                throw new InvalidOperationException($"cancel.lua answered {(long)fields[0]}, which is no outcome.");
        }
    }

    /// <summary>What a caller may do after a failed call whose outcome is unknown.</summary>
    static class RetryAdvice
    {
        public const string Schedule = "Scheduling it again with the same token is safe: it replaces the waiting message. Do not schedule it under a new " +
            "token or send it directly instead: it may then be delivered twice, with different MessageIds.";

        public const string Cancel = "Cancelling again is safe: it cancels the message if it still waits, and finds nothing if the first cancel took effect.";

        public const string Change = "Making the same change again is safe.";
    }

    /// <summary>
    /// Runs a script by its SHA-1 (<c>EVALSHA</c>): given the script's text, the client looks its SHA-1 up by the whole
    /// text on every call, which costs a schedule call more than the rest of its encoding. A server that does not hold the
    /// script (restarted, failed over, <c>SCRIPT FLUSH</c>) answers NOSCRIPT without running anything; then it is sent
    /// whole, which loads it.
    /// </summary>
    static async Task<RedisResult> Evaluate(IDatabase db, string script, RedisKey[] keys, RedisValue[] values)
    {
        try
        {
            return await db.ScriptEvaluateAsync(LuaScripts.Sha1(script), keys, values).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            return await db.ScriptEvaluateAsync(script, keys, values).ConfigureAwait(false);
        }
    }

    /// <summary>Runs a script for a caller (schedule, cancel, change a recurring schedule) and turns Redis's failures into
    /// <see cref="RedisSchedulerUnavailableException" />, saying whether the call may have taken effect.</summary>
    async Task<RedisResult> Run(string script, RedisKey[] keys, RedisValue[] values, string what, string retryAdvice)
    {
        ConnectionMultiplexer multiplexer;
        try
        {
            // Database() checks the partition layout first; the write itself may go over a connection of its own.
            await Database().ConfigureAwait(false);
            multiplexer = await _connection.GetForWrites().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw NotSent(what, ex);
        }

        RedisResult result;
        try
        {
            result = await Evaluate(multiplexer.GetDatabase(), script, keys, values).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("OOM command not allowed", StringComparison.Ordinal))
        {
            throw new RedisSchedulerOutOfMemoryException(
                $"Could not {what}: Redis at {_connection.Describe()} is at its memory limit ('maxmemory', policy noeviction) and refuses new data. " +
                "Nothing was stored or changed. The bridges keep delivering and acknowledging, which frees memory: retry later, or raise 'maxmemory' " +
                $"(see INFO memory). Redis said: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            if (WasNotSent(ex))
                throw NotSent(what, ex);

            throw new RedisSchedulerUnavailableException(
                $"Could not {what}: the call was sent to Redis at {_connection.Describe()}, but no answer came within " +
                $"{_options.OperationTimeout.TotalSeconds:0.###} s ({RedisSchedulerOptions.SectionName}:{nameof(RedisSchedulerOptions.OperationTimeout)}). " +
                "The outcome is unknown: Redis may have run it, or may still run it when it answers again. " + retryAdvice + " " + ex.Message,
                RedisSchedulerCallOutcome.Unknown, ex);
        }

        if (_replicaAcknowledgements != null)
        {
            if (AfterWriteForTests is { } afterWrite)
                await afterWrite().ConfigureAwait(false);
            await ConfirmOnReplicas(multiplexer, keys[0], what, retryAdvice).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>After a caller's script: waits until <see cref="RedisSchedulerOptions.WaitForReplicas" /> replicas have its
    /// write, or throws <see cref="RedisSchedulerUnavailableException" /> with <see cref="RedisSchedulerCallOutcome.NotReplicated" />.</summary>
    async Task ConfirmOnReplicas(ConnectionMultiplexer multiplexer, RedisKey key, string what, string retryAdvice)
    {
        long confirmed;
        Exception? failure = null;
        try
        {
            confirmed = await _replicaAcknowledgements!.Wait(multiplexer, key).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            confirmed = 0;
            failure = ex;
        }

        if (confirmed >= _options.WaitForReplicas)
            return;

        throw new RedisSchedulerUnavailableException(
            $"Could not {what} durably: Redis at {_connection.Describe()} ran it on the primary, but " +
            (failure == null ? $"only {confirmed} of the {_options.WaitForReplicas} replicas required " : $"the replicas' confirmation could not be read ({failure.Message}), so none of the {_options.WaitForReplicas} replicas required ") +
            $"({RedisSchedulerOptions.SectionName}:{nameof(RedisSchedulerOptions.WaitForReplicas)}) confirmed it within " +
            $"{_options.WaitForReplicasTimeout.TotalMilliseconds:0.###} ms ({RedisSchedulerOptions.SectionName}:{nameof(RedisSchedulerOptions.WaitForReplicasTimeout)}). " +
            "It is on the primary but not confirmed on a replica: it takes effect, unless the primary fails before a replica has it. " + retryAdvice,
            RedisSchedulerCallOutcome.NotReplicated, failure);
    }

    RedisSchedulerUnavailableException NotSent(string what, Exception ex) => new(
        $"Could not {what}: Redis at {_connection.Describe()} could not be reached within {_options.OperationTimeout.TotalSeconds:0.###} s " +
        $"({RedisSchedulerOptions.SectionName}:{nameof(RedisSchedulerOptions.OperationTimeout)}). The call was never sent: nothing was stored or changed. " +
        ex.Message,
        RedisSchedulerCallOutcome.NothingChanged, ex);

    /// <summary>True when the Redis client says the command was never written to Redis (still waiting to be sent, or in
    /// its backlog, when it gave up); false when it was sent or the client cannot tell.</summary>
    static bool WasNotSent(Exception ex) => ex switch
    {
        RedisTimeoutException timeout => timeout.Commandstatus is CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog,
        RedisConnectionException connection => connection.CommandStatus is CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog,
        _ => false,
    };

    /// <summary>Unix milliseconds, rounded up so that a message is never due before its time.</summary>
    public static long ToUnixMilliseconds(DateTime utc)
    {
        var ticks = utc.Ticks - DateTime.UnixEpoch.Ticks;
        return (ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
    }
}
