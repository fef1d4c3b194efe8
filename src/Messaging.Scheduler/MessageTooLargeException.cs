namespace Messaging.Scheduler;

/// <summary>
/// Thrown when a message to schedule is larger than <see cref="RedisSchedulerOptions.MaxMessageBytes" />.
/// Nothing was stored.
/// </summary>
public sealed class MessageTooLargeException : Exception
{
    /// <summary>Creates the exception with a message that names the limit.</summary>
    public MessageTooLargeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public MessageTooLargeException()
    {
    }

    /// <summary>Creates the exception with an inner exception.</summary>
    public MessageTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
