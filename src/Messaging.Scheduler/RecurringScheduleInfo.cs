namespace Messaging.Scheduler;

/// <summary>A recurring schedule, as stored.</summary>
public sealed record RecurringScheduleInfo
{
    /// <summary>The token of its entry.</summary>
    public required string Token { get; init; }

    /// <summary>The partition it lives in.</summary>
    public int Partition { get; init; }

    /// <summary>MassTransit's <c>ScheduleId</c>.</summary>
    public required string ScheduleId { get; init; }

    /// <summary>MassTransit's <c>ScheduleGroup</c>.</summary>
    public string? ScheduleGroup { get; init; }

    /// <summary>The cron expression, as given.</summary>
    public required string CronExpression { get; init; }

    /// <summary>The time zone its cron expression is read in.</summary>
    public required string TimeZoneId { get; init; }

    /// <summary>When it starts and ends (null: never).</summary>
    public DateTimeOffset StartTime { get; init; }

    /// <summary>When it ends; null: never.</summary>
    public DateTimeOffset? EndTime { get; init; }

    /// <summary>Its current occurrence (due next, or being delivered), by the Redis clock.</summary>
    public DateTime? NextOccurrenceUtc { get; init; }

    /// <summary>Whether it is paused.</summary>
    public bool Paused { get; init; }

    /// <summary>Whether an occurrence is being delivered now.</summary>
    public bool InFlight { get; init; }

    /// <summary>The message type's URN.</summary>
    public string? MessageType { get; init; }

    /// <summary>Where each occurrence is sent.</summary>
    public string? Destination { get; init; }
}
