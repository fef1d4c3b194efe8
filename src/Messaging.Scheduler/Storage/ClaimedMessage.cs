namespace Messaging.Scheduler.Storage;

/// <summary>
/// Step 5 of a message's life: an entry one bridge claimed for delivery. Nobody else delivers it until
/// <see cref="LeaseExpiry" />; the bridge acknowledges or releases it with that lease, so a late answer from a bridge that
/// lost its claim changes nothing.
/// </summary>
/// <param name="Partition">The partition the entry lives in.</param>
/// <param name="Token">The scheduling token, in Redis's form (32 hex digits).</param>
/// <param name="DueMilliseconds">When it was due, Unix ms by the Redis clock.</param>
/// <param name="LeaseExpiry">When the claim runs out, Unix ms by the Redis clock.</param>
/// <param name="Attempts">Failed deliveries before this one.</param>
/// <param name="Channel">The channel, for example <c>SELLER</c>.</param>
/// <param name="Payload">The encoded <see cref="StoredMessage" />.</param>
/// <param name="Recurring">For an occurrence of a recurring schedule: the schedule and which occurrence; null for a
/// one-time message.</param>
internal sealed record ClaimedMessage(
    PartitionKeys Partition,
    string Token,
    long DueMilliseconds,
    long LeaseExpiry,
    int Attempts,
    string Channel,
    ReadOnlyMemory<byte> Payload,
    RecurringOccurrence? Recurring = null);
