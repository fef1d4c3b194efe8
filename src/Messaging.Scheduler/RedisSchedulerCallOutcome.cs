namespace Messaging.Scheduler;

/// <summary>What became of a scheduling or cancelling call that failed with <see cref="RedisSchedulerUnavailableException" />.</summary>
public enum RedisSchedulerCallOutcome
{
    /// <summary>The call was sent to Redis and no answer came: it may have taken effect, or may still do so. Retry with the
    /// same token (scheduling again replaces the message; cancelling again is harmless); never schedule it under a new token
    /// or send it directly instead.</summary>
    Unknown = 0,

    /// <summary>The call never reached Redis, or Redis refused it: nothing was stored or changed.</summary>
    NothingChanged = 1,
}
