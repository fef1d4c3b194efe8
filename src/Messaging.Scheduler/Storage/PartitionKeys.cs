using StackExchange.Redis;

namespace Messaging.Scheduler.Storage;

/// <summary>
/// The Redis keys of one partition. Every key carries the partition's hash tag (<c>{0}</c> with one partition, see
/// <see cref="RedisPartitionLayout" />), so that a message's keys and
/// its partition's index share a Redis Cluster slot and one Lua script may touch them all.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>&lt;prefix&gt;{p}:due</c>: sorted set, token by due time (Unix ms): the source of truth.</item>
/// <item><c>&lt;prefix&gt;{p}:entries</c>: hash, token to <c>attempts|channel|payload</c>; no TTL.</item>
/// <item><c>&lt;prefix&gt;{p}:names</c>: hash, the addresses, message types and host descriptions the entries refer to by a
/// short id (<see cref="NameTable" />); written with the first entry that uses one, never removed.</item>
/// <item><c>&lt;prefix&gt;{p}:inflight</c>: sorted set, claimed token by lease expiry.</item>
/// <item><c>&lt;prefix&gt;{p}:dead</c> and <c>:dead-reasons</c>: dead-lettered tokens by time, and the last failure of an
/// entry (dead-lettered or retried). A dead-lettered occurrence of a recurring schedule is kept under a token of its own,
/// <c>&lt;token&gt;-&lt;occurrence, Unix ms&gt;</c>.</item>
/// <item><c>&lt;prefix&gt;{p}:recurring</c> and <c>:paused</c>: the definition of each recurring schedule's token, and which are paused.</item>
/// <item><c>&lt;prefix&gt;{p}:counts</c>: hash, how many entries there are per message type, destination and channel, pending
/// and dead-lettered (<c>Scripts/include/counts.lua</c>), kept by the same scripts that change the entries.</item>
/// <item><c>&lt;prefix&gt;{p}:SELLER:&lt;token&gt;</c>: the TTL trigger key of one message (its <c>expired</c> event wakes the bridges).</item>
/// <item><c>&lt;prefix&gt;{p}:cancelled:&lt;token&gt;</c>: an hour's memory of a cancel command that came before its schedule command.</item>
/// <item><c>&lt;prefix&gt;{p}:claim:&lt;claim id&gt;</c>: which entries one claim took, kept for its lease, so that a
/// bridge whose claim timed out can ask for them again (at most one per partition and bridge once answers arrive).</item>
/// <item><c>&lt;prefix&gt;{p}:legacy:&lt;key&gt;</c>: the expiry a legacy key (<c>SELLER:AAA</c>) was imported with, until a while after it.</item>
/// <item><c>&lt;prefix&gt;{p}:wake</c>: the Pub/Sub channel that wakes the bridges when an earlier message arrives.</item>
/// </list>
/// </remarks>
internal sealed class PartitionKeys
{
    /// <param name="prefix">The key prefix.</param>
    /// <param name="partition">The partition's number.</param>
    /// <param name="tag">Its hash tag, without the braces (see <see cref="SchedulerKeyspace" />).</param>
    public PartitionKeys(string prefix, int partition, string tag)
    {
        Partition = partition;
        Tag = tag;
        Root = $"{prefix}{{{tag}}}:";
        Due = Root + "due";
        Entries = Root + "entries";
        InFlight = Root + "inflight";
        Dead = Root + "dead";
        DeadReasons = Root + "dead-reasons";
        Recurring = Root + "recurring";
        Paused = Root + "paused";
        Names = Root + "names";
        Counts = Root + "counts";
        Wake = RedisChannel.Literal(Root + "wake");
        ClaimKeys = [Due, InFlight, Entries, Dead, DeadReasons, Recurring];
        AcknowledgeKeys = [Due, InFlight, Entries, Recurring, Paused, DeadReasons, Counts];
        ReleaseKeys = [Due, InFlight, Entries, Dead, DeadReasons, Recurring, Paused, Counts];
        RequeueKeys = [Due, Entries, Dead, DeadReasons, Counts];
        RecurringKeys = [Due, InFlight, Entries, Dead, DeadReasons, Recurring, Paused, Counts];
        CountsKeys = [Due, InFlight, Dead, Recurring, Paused, Counts];
    }

    public int Partition { get; }

    /// <summary>The hash tag every key of the partition carries: <c>0</c> with one partition.</summary>
    public string Tag { get; }

    /// <summary>The prefix with the hash tag, <c>scheduler:{0}:</c>.</summary>
    public string Root { get; }

    public RedisKey Due { get; }
    public RedisKey Entries { get; }
    public RedisKey InFlight { get; }
    public RedisKey Dead { get; }
    public RedisKey DeadReasons { get; }
    public RedisKey Recurring { get; }
    public RedisKey Paused { get; }
    public RedisKey Names { get; }
    public RedisKey Counts { get; }
    public RedisChannel Wake { get; }

    // Each script's KEYS, in the order its header lists them: only the keys it touches, all in this partition's slot.

    /// <summary><c>schedule.lua</c>: due, in flight, entries, dead, dead reasons, recurring, paused, the trigger key, the
    /// cancel marker, names, counts.</summary>
    public RedisKey[] ScheduleKeys(string channel, string token) =>
        [Due, InFlight, Entries, Dead, DeadReasons, Recurring, Paused, Trigger(channel, token), CancelMarker(token), Names, Counts];

    /// <summary><c>cancel.lua</c>: due, in flight, entries, dead, dead reasons, recurring, paused, the trigger key of
    /// <paramref name="channel" />, the cancel marker, counts.</summary>
    public RedisKey[] CancelKeys(string channel, string token) =>
        [Due, InFlight, Entries, Dead, DeadReasons, Recurring, Paused, Trigger(channel, token), CancelMarker(token), Counts];

    /// <summary><c>reschedule.lua</c>: due, in flight, entries, recurring, paused, the trigger key of
    /// <paramref name="channel" />.</summary>
    public RedisKey[] RescheduleKeys(string channel, string token) => [Due, InFlight, Entries, Recurring, Paused, Trigger(channel, token)];

    /// <summary><c>dead-letters.lua</c>: due, entries, dead, dead reasons, counts.</summary>
    public RedisKey[] DeadLettersKeys => RequeueKeys;

    /// <summary><c>read-counts.lua</c>: due, in flight, dead, recurring, paused, counts.</summary>
    public RedisKey[] CountsKeys { get; }

    /// <summary>The fixed part of <c>claim.lua</c>'s keys: due, in flight, entries, dead, dead reasons, recurring
    /// (<see cref="ClaimKeysFor" /> adds the claim's record).</summary>
    public RedisKey[] ClaimKeys { get; }

    /// <summary><c>claim.lua</c>: due, in flight, entries, dead, dead reasons, recurring, this claim's record, and the
    /// record of an earlier claim to delete (when there is one).</summary>
    /// <param name="claimId">The claim's id, chosen by the caller.</param>
    /// <param name="previousClaimId">An earlier claim whose answer arrived, whose record is no longer needed; or null.</param>
    public RedisKey[] ClaimKeysFor(string claimId, string? previousClaimId) => previousClaimId == null
        ? [.. ClaimKeys, ClaimRecord(claimId)]
        : [.. ClaimKeys, ClaimRecord(claimId), ClaimRecord(previousClaimId)];

    /// <summary>Which entries one claim took, under its lease, while that lease lasts (see <c>claim.lua</c>).</summary>
    public RedisKey ClaimRecord(string claimId) => Root + "claim:" + claimId;

    /// <summary><c>ack-batch.lua</c>: due, in flight, entries, recurring, paused, dead reasons, counts.</summary>
    public RedisKey[] AcknowledgeKeys { get; }

    /// <summary><c>release.lua</c>: due, in flight, entries, dead, dead reasons, recurring, paused, counts.</summary>
    public RedisKey[] ReleaseKeys { get; }

    /// <summary><c>requeue.lua</c>: due, entries, dead, dead reasons, counts.</summary>
    public RedisKey[] RequeueKeys { get; }

    /// <summary><c>recurring.lua</c>: due, in flight, entries, dead, dead reasons, recurring, paused, counts.</summary>
    public RedisKey[] RecurringKeys { get; }

    /// <summary><c>legacy-import.lua</c>: due, in flight, entries, dead, dead reasons, the trigger key, names, the legacy key's
    /// import mark, counts.</summary>
    public RedisKey[] LegacyImportKeys(string channel, string token, string legacyKey) =>
        [Due, InFlight, Entries, Dead, DeadReasons, Trigger(channel, token), Names, LegacyMark(legacyKey), Counts];

    /// <summary>The expiry a legacy key (<c>SELLER:AAA</c>) was imported with, kept a while after it (see
    /// <c>legacy-import.lua</c>).</summary>
    public RedisKey LegacyMark(string legacyKey) => Root + "legacy:" + legacyKey;

    public RedisKey Trigger(string channel, string token) => Root + channel + ":" + token;

    /// <summary>Remembers, for an hour, that a cancel command found nothing to cancel (see <c>cancel.lua</c>).</summary>
    public RedisKey CancelMarker(string token) => Root + "cancelled:" + token;
}
