namespace Messaging.Scheduler;

/// <summary>A stored message, as a list shows it.</summary>
public sealed record ScheduledMessageSummary
{
    /// <summary>The token as stored (32 hex digits for the messages the scheduler wrote).</summary>
    public required string Token { get; init; }

    /// <summary>The partition it lives in.</summary>
    public int Partition { get; init; }

    /// <summary>Where it is in its life.</summary>
    public ScheduledMessageState State { get; init; }

    /// <summary>When it is (or was) due, by the Redis clock; null when the index does not say (a paused schedule).</summary>
    public DateTime? DueUtc { get; init; }

    /// <summary>In flight: when its bridge's lease runs out. Dead-lettered: when it died. Null otherwise.</summary>
    public DateTime? StateSinceUtc { get; init; }

    /// <summary>The message's MessageId, as it will be delivered.</summary>
    public Guid? MessageId { get; init; }

    /// <summary>The message's CorrelationId.</summary>
    public Guid? CorrelationId { get; init; }

    /// <summary>The message type's URN (the first of the envelope's types).</summary>
    public string? MessageType { get; init; }

    /// <summary>Where it will be sent.</summary>
    public string? Destination { get; init; }

    /// <summary>The channel (<c>SELLER</c>).</summary>
    public string? Channel { get; init; }

    /// <summary>Failed deliveries so far.</summary>
    public int Attempts { get; init; }

    /// <summary>Whether it is a recurring schedule's entry.</summary>
    public bool Recurring { get; init; }

    /// <summary>Why its last delivery failed (for a dead-lettered message, why it died); null when none failed.</summary>
    public string? LastFailure { get; init; }

    /// <summary>Why the entry could not be read, when it could not (it will be dead-lettered when due); null when it
    /// reads.</summary>
    public string? Unreadable { get; init; }
}
