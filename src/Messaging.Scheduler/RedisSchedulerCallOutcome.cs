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

    /// <summary>Redis stored or changed it on the primary, but fewer replicas than
    /// <see cref="RedisSchedulerOptions.WaitForReplicas" /> confirmed the write within
    /// <see cref="RedisSchedulerOptions.WaitForReplicasTimeout" />: it takes effect unless the primary fails before a replica
    /// has it. Making the same call again with the same token is safe (scheduling again replaces the waiting message), and
    /// is what to do when it must survive a failover.</summary>
    NotReplicated = 2,
}
