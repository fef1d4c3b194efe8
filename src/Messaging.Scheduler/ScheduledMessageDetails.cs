namespace Messaging.Scheduler;

/// <summary>One stored message in full (<see cref="IRedisScheduledMessages.Show" />).</summary>
public sealed record ScheduledMessageDetails
{
    /// <summary>What a list shows of it.</summary>
    public required ScheduledMessageSummary Summary { get; init; }

    /// <summary>The other ids of its envelope: RequestId, ConversationId, InitiatorId, when set.</summary>
    public IReadOnlyDictionary<string, Guid> Ids { get; init; } = new Dictionary<string, Guid>();

    /// <summary>Its addresses: SourceAddress, DestinationAddress, ResponseAddress, FaultAddress, when set.</summary>
    public IReadOnlyDictionary<string, string> Addresses { get; init; } = new Dictionary<string, string>();

    /// <summary>Every message type its envelope names, most specific first.</summary>
    public IReadOnlyList<string> MessageTypes { get; init; } = [];

    /// <summary>Its headers, each value as JSON text.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The transport properties the send had (routing key, priority, ...), each value as text.</summary>
    public IReadOnlyDictionary<string, string> TransportProperties { get; init; } = new Dictionary<string, string>();

    /// <summary>When it was sent and when it expires, when the envelope says.</summary>
    public DateTime? SentUtc { get; init; }

    /// <summary>When the message expires, when the envelope says.</summary>
    public DateTime? ExpirationUtc { get; init; }

    /// <summary>The content type of the stored envelope.</summary>
    public string? ContentType { get; init; }

    /// <summary>The recurring schedule, when it is one.</summary>
    public RecurringScheduleInfo? RecurringSchedule { get; init; }

    /// <summary>The entry's size in Redis, in bytes.</summary>
    public long StoredBytes { get; init; }

    /// <summary>The message itself (JSON), only when <see cref="RedisSchedulerOptions.ShowMessageBodies" /> is on: bodies
    /// hold phone numbers and the like. Never logged.</summary>
    public string? Body { get; init; }
}
