namespace Messaging.Scheduler;

/// <summary>A bridge, as it last reported itself (every few seconds while it runs).</summary>
public sealed record SchedulerBridgeStatus
{
    /// <summary>The bridge's id, new each time it starts.</summary>
    public required string BridgeId { get; init; }

    /// <summary>The machine it runs on.</summary>
    public required string Host { get; init; }

    /// <summary>Its process id.</summary>
    public int ProcessId { get; init; }

    /// <summary>When it started.</summary>
    public DateTime StartedUtc { get; init; }

    /// <summary>When it last reported, by the Redis clock.</summary>
    public DateTime LastSeenUtc { get; init; }

    /// <summary>When it last claimed a message; null when it has not yet.</summary>
    public DateTime? LastClaimUtc { get; init; }

    /// <summary>How many messages it delivered since it started.</summary>
    public long Delivered { get; init; }

    /// <summary>The median lateness of its deliveries in the last minutes (null: none).</summary>
    public TimeSpan? LatenessP50 { get; init; }

    /// <summary>The 99th percentile lateness of its deliveries in the last minutes (null: none).</summary>
    public TimeSpan? LatenessP99 { get; init; }
}
