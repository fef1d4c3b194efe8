namespace Messaging.Scheduler.Inspection;

/// <summary>
/// What the store holds about one token, as a read script returned it: the entry (null: none stored) and where the token
/// is in its life. Times are Unix ms by the Redis clock.
/// </summary>
/// <param name="Partition">The partition it lives in.</param>
/// <param name="Token">The token, as stored.</param>
/// <param name="Entry">The entry as stored (header, label, payload); null when none is stored.</param>
/// <param name="State">Its state.</param>
/// <param name="Due">When it is due (waiting), or the recurring occurrence being delivered; null when unknown.</param>
/// <param name="Since">In flight: the lease expiry; dead-lettered: when it died.</param>
/// <param name="Recurring">The recurring schedule's definition (JSON), or null for a one-time message.</param>
/// <param name="Occurrence">A recurring schedule's current occurrence, Unix ms.</param>
/// <param name="Reason">The dead-letter reason, or null.</param>
/// <param name="Paused">Whether its recurring schedule is paused.</param>
internal sealed record StoredState(
    PartitionKeys Partition,
    string Token,
    byte[]? Entry,
    ScheduledMessageState State,
    long? Due,
    long? Since,
    string? Recurring,
    long? Occurrence,
    string? Reason,
    bool Paused);
