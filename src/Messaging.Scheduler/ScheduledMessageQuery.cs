namespace Messaging.Scheduler;

/// <summary>A page of <see cref="IRedisScheduledMessages.List" />.</summary>
public sealed record ScheduledMessageQuery
{
    /// <summary>The largest page.</summary>
    public const int MaxPageSize = 500;

    /// <summary>Which index to list: <see cref="ScheduledMessageState.Waiting" /> (waiting and overdue, by due time),
    /// <see cref="ScheduledMessageState.InFlight" /> or <see cref="ScheduledMessageState.DeadLettered" />.</summary>
    public ScheduledMessageState State { get; init; } = ScheduledMessageState.Waiting;

    /// <summary>The earliest time (due time, lease expiry, time dead-lettered) to list; null: from the start.</summary>
    public DateTime? FromUtc { get; init; }

    /// <summary>The latest time to list; null: to the end.</summary>
    public DateTime? ToUtc { get; init; }

    /// <summary>Which messages; <see cref="ScheduledMessageFilter.All" /> by default.</summary>
    public ScheduledMessageFilter Filter { get; init; } = ScheduledMessageFilter.All;

    /// <summary>How many messages a page holds at most, 1 to <see cref="MaxPageSize" />.</summary>
    public int PageSize { get; init; } = 50;

    /// <summary>Null for the first page, then the previous page's <see cref="ScheduledMessagePage.NextCursor" />.</summary>
    public string? Cursor { get; init; }
}
