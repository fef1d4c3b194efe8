namespace Messaging.Scheduler;

/// <summary>
/// The dead-letter set: messages whose delivery failed <see cref="RedisSchedulerOptions.MaxDeliveryAttempts" /> times, or
/// whose entry could not be read. They are kept, with the reason, until an operator requeues or deletes them.
/// Registered by <c>AddRedisMessageScheduler</c>.
/// </summary>
public interface IRedisSchedulerDeadLetters
{
    /// <summary>Lists up to <paramref name="max" /> dead-lettered messages per partition, oldest first.</summary>
    Task<IReadOnlyList<DeadLetteredMessage>> List(int max = 100);

    /// <summary>Makes a dead-lettered message due again (now, or at <paramref name="dueUtc" />), with its attempts reset.</summary>
    /// <returns>False when no dead-lettered message has this token.</returns>
    Task<bool> Requeue(string token, DateTime? dueUtc = null);

    /// <summary>Deletes a dead-lettered message for good.</summary>
    /// <returns>False when no dead-lettered message has this token.</returns>
    Task<bool> Delete(string token);
}
