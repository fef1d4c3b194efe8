namespace Messaging.Scheduler;

/// <summary>How many messages the scheduler holds, in each state and per label (<see cref="IRedisScheduledMessages.Counts" />).</summary>
public sealed record SchedulerCounts
{
    /// <summary>When the counts were taken, by the Redis clock.</summary>
    public DateTime AtUtc { get; init; }

    /// <summary>In the due index and due later.</summary>
    public long Waiting { get; init; }

    /// <summary>In the due index and due, not claimed yet.</summary>
    public long Overdue { get; init; }

    /// <summary>Claimed by a bridge.</summary>
    public long InFlight { get; init; }

    /// <summary>Dead-lettered.</summary>
    public long DeadLettered { get; init; }

    /// <summary>Recurring schedules that are not paused.</summary>
    public long RecurringActive { get; init; }

    /// <summary>Recurring schedules that are paused.</summary>
    public long RecurringPaused { get; init; }

    /// <summary>Stored messages per message type URN (entries written before the counts existed are not in these).</summary>
    public IReadOnlyDictionary<string, LabelCount> ByMessageType { get; init; } = new Dictionary<string, LabelCount>();

    /// <summary>Stored messages per destination address.</summary>
    public IReadOnlyDictionary<string, LabelCount> ByDestination { get; init; } = new Dictionary<string, LabelCount>();

    /// <summary>Stored messages per channel.</summary>
    public IReadOnlyDictionary<string, LabelCount> ByChannel { get; init; } = new Dictionary<string, LabelCount>();
}
