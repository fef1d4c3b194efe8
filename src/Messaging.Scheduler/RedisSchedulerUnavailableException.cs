namespace Messaging.Scheduler;

/// <summary>
/// Thrown when a scheduling, cancelling or recurring-schedule call could not be completed because Redis could not be
/// reached in time (<see cref="RedisSchedulerOptions.OperationTimeout" />) or refused the write. <see cref="Outcome" />
/// says whether the call may still have taken effect. Either way nothing was half-written: a script runs whole or not at all.
/// </summary>
/// <remarks>
/// <para><see cref="RedisSchedulerCallOutcome.NothingChanged" />: the call never reached Redis (no connection), or Redis
/// refused it (<see cref="RedisSchedulerOutOfMemoryException" />). Nothing was stored or changed.</para>
/// <para><see cref="RedisSchedulerCallOutcome.Unknown" />: the call was sent and no answer came in time. Redis may still run
/// it (for example when a pause or a stall ends), so the message may be stored and delivered. Scheduling again with the
/// <b>same token</b> is safe: it replaces the waiting message. Scheduling it under a new token, or sending it directly
/// instead, may deliver it twice with different MessageIds. Cancelling again is safe too.</para>
/// <para><see cref="RedisSchedulerCallOutcome.NotReplicated" /> (only with <see cref="RedisSchedulerOptions.WaitForReplicas" />):
/// Redis ran the call on the primary, but too few replicas confirmed it in time; scheduling again with the same token is safe.</para>
/// </remarks>
public class RedisSchedulerUnavailableException : Exception
{
    /// <summary>Creates the exception with a message that says what could not be reached; the outcome is unknown.</summary>
    public RedisSchedulerUnavailableException(string message, Exception innerException)
        : this(message, RedisSchedulerCallOutcome.Unknown, innerException)
    {
    }

    /// <summary>Creates the exception; the outcome is unknown.</summary>
    public RedisSchedulerUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception; the outcome is unknown.</summary>
    public RedisSchedulerUnavailableException()
    {
    }

    /// <summary>Creates the exception with what became of the call.</summary>
    /// <param name="message">What failed, what it means and what to do.</param>
    /// <param name="outcome">Whether the call may have taken effect.</param>
    /// <param name="innerException">The Redis client's exception, if any.</param>
    public RedisSchedulerUnavailableException(string message, RedisSchedulerCallOutcome outcome, Exception? innerException)
        : base(message, innerException)
    {
        Outcome = outcome;
    }

    /// <summary>Whether the failed call may still have taken effect: <see cref="RedisSchedulerCallOutcome.NothingChanged" />
    /// or <see cref="RedisSchedulerCallOutcome.Unknown" /> (the default, the safe assumption).</summary>
    public RedisSchedulerCallOutcome Outcome { get; } = RedisSchedulerCallOutcome.Unknown;
}
