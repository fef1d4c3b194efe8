namespace Messaging.Scheduler;

/// <summary>
/// Thrown when Redis refuses to schedule a message because it is at its memory limit (<c>maxmemory</c> with the policy
/// <c>noeviction</c>). Nothing was stored (<see cref="RedisSchedulerUnavailableException.Outcome" /> is
/// <see cref="RedisSchedulerCallOutcome.NothingChanged" />). The bridges keep delivering, acknowledging and cancelling under
/// the limit, which frees memory; retry later, or raise <c>maxmemory</c>.
/// </summary>
public sealed class RedisSchedulerOutOfMemoryException : RedisSchedulerUnavailableException
{
    /// <summary>Creates the exception with a message that names the limit.</summary>
    public RedisSchedulerOutOfMemoryException(string message, Exception? innerException)
        : base(message, RedisSchedulerCallOutcome.NothingChanged, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RedisSchedulerOutOfMemoryException(string message)
        : this(message, null)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RedisSchedulerOutOfMemoryException()
        : this("Redis is at its memory limit (maxmemory): nothing was stored.", null)
    {
    }
}
