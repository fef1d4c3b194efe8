namespace Messaging.Scheduler;

/// <summary>
/// Thrown when a scheduling or cancelling call could not reach Redis within
/// <see cref="RedisSchedulerOptions.OperationTimeout" />. Nothing was half-written: a script either ran whole or not at all.
/// </summary>
public sealed class RedisSchedulerUnavailableException : Exception
{
    /// <summary>Creates the exception with a message that says what could not be reached.</summary>
    public RedisSchedulerUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RedisSchedulerUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RedisSchedulerUnavailableException()
    {
    }
}
