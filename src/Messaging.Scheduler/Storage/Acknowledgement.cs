namespace Messaging.Scheduler.Storage;

/// <summary>One delivered entry to acknowledge (see <see cref="RedisScheduleStore.AcknowledgeMany" />).</summary>
/// <param name="Token">The entry's token.</param>
/// <param name="Lease">The lease its claim returned.</param>
/// <param name="NextOccurrence">A recurring schedule's next occurrence; null for a one-time message, or when the
/// schedule has ended.</param>
internal readonly record struct Acknowledgement(string Token, long Lease, DateTimeOffset? NextOccurrence = null);
