namespace Messaging.Scheduler;

/// <summary>
/// The dead-letter set: messages whose delivery failed <see cref="RedisSchedulerOptions.MaxDeliveryAttempts" /> times, or
/// whose entry could not be read. They are kept, with the reason, until an operator requeues or deletes them.
/// Registered by <c>AddRedisMessageScheduler</c>.
/// </summary>
public interface IRedisSchedulerDeadLetters
{
    /// <summary>Lists up to <paramref name="max" /> dead-lettered messages per partition, oldest first.</summary>
    /// <param name="max">The most messages listed per partition (at least 1).</param>
    Task<IReadOnlyList<DeadLetteredMessage>> List(int max = 100);

    /// <summary>Makes a dead-lettered message due again (now, or at <paramref name="dueUtc" />), with its attempts reset.</summary>
    /// <param name="tokenId">The message's scheduling token, as MassTransit's <c>ScheduledMessage.TokenId</c> gives it.</param>
    /// <param name="dueUtc">When it is due again; null: now, by the Redis clock.</param>
    /// <returns>False when no dead-lettered message has this token.</returns>
    Task<bool> Requeue(Guid tokenId, DateTime? dueUtc = null);

    /// <summary>Makes a dead-lettered message due again, by its token as stored (<see cref="DeadLetteredMessage.Token" />),
    /// which also reaches an entry whose token is not a GUID.</summary>
    /// <param name="token">The token as listed.</param>
    /// <param name="dueUtc">When it is due again; null: now, by the Redis clock.</param>
    /// <returns>False when no dead-lettered message has this token.</returns>
    Task<bool> Requeue(string token, DateTime? dueUtc = null);

    /// <summary>Deletes a dead-lettered message for good.</summary>
    /// <param name="tokenId">The message's scheduling token.</param>
    /// <returns>False when no dead-lettered message has this token.</returns>
    Task<bool> Delete(Guid tokenId);

    /// <summary>Deletes a dead-lettered message for good, by its token as stored (<see cref="DeadLetteredMessage.Token" />).</summary>
    /// <param name="token">The token as listed.</param>
    /// <returns>False when no dead-lettered message has this token.</returns>
    Task<bool> Delete(string token);
}
