namespace Messaging.Scheduler;

/// <summary>What a change asked of <see cref="IRedisScheduledMessages" /> did.</summary>
public enum ScheduledMessageChange
{
    /// <summary>Nothing is stored under the token (or, for a recurring change, no recurring schedule; for a resume, it was
    /// not paused): nothing changed.</summary>
    NotFound = 0,

    /// <summary>Done (cancelled, rescheduled, paused, ...).</summary>
    Done = 1,

    /// <summary>The message is being delivered (claimed by a bridge): nothing changed, it will be delivered.</summary>
    TooLate = 2,
}
