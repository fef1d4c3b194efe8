namespace Messaging.Scheduler.Storage;

/// <summary>What an operator does with a dead-lettered entry (see <see cref="RedisDeadLetters" />).</summary>
internal enum DeadLetterAction
{
    /// <summary>Makes it due again, with its attempts reset.</summary>
    Requeue,

    /// <summary>Deletes it for good.</summary>
    Delete,
}
