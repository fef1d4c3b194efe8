using System.Globalization;

namespace Messaging.Scheduler.Inspection;

/// <summary>
/// A token as an operator gives it: a scheduling token (<c>ScheduledMessage.TokenId</c>, in any GUID format), a
/// dead-lettered occurrence of a recurring schedule (<c>&lt;token&gt;-&lt;occurrence, Unix ms&gt;</c>, see
/// <c>release.lua</c>), or any other token exactly as listed (then it may be in any partition).
/// </summary>
/// <param name="Token">The token as stored.</param>
/// <param name="Schedule">The scheduling token it is or belongs to; null for a token of another form.</param>
internal readonly record struct StoredToken(string Token, Guid? Schedule)
{
    /// <summary>Reads a token given by an operator.</summary>
    /// <exception cref="ArgumentException">The token is empty.</exception>
    public static StoredToken Parse(string token)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        token = token.Trim();
        if (Guid.TryParse(token, out var id))
            return new StoredToken(SchedulerKeyspace.Format(id), id);

        var dash = token.LastIndexOf('-');
        if (dash == 32 && Guid.TryParseExact(token[..32], "N", out var schedule)
            && long.TryParse(token.AsSpan(33), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            return new StoredToken(SchedulerKeyspace.Format(schedule) + token[32..], schedule);

        return new StoredToken(token, null);
    }

    /// <summary>The partitions the token may be stored in: its schedule's, or all of them.</summary>
    public IReadOnlyList<PartitionKeys> Partitions(SchedulerKeyspace keyspace) => Schedule is { } id ? [keyspace.For(id)] : keyspace.Partitions;

    /// <summary>True when the token is a scheduling token itself (a recurring schedule's token is one).</summary>
    public bool IsSchedule => Schedule is { } id && Token == SchedulerKeyspace.Format(id);
}
