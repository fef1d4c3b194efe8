namespace Messaging.Scheduler.Inspection;

/// <summary>One matching entry of a <see cref="PartitionPage" />.</summary>
internal sealed record PageItem(PartitionKeys Partition, string Token, double Score, long Now, byte[]? Entry, bool Recurring, long? Occurrence, string? Reason)
{
    /// <summary>The entry as the reader takes it, for a page of <paramref name="index" />.</summary>
    public StoredState State(ScheduledMessageState index)
    {
        var score = (long)Score;
        return index switch
        {
            ScheduledMessageState.InFlight => new StoredState(Partition, Token, Entry, index, Occurrence, score, Recurring ? string.Empty : null, Occurrence, Reason,
                false),
            ScheduledMessageState.DeadLettered => new StoredState(Partition, Token, Entry, index, null, score, Recurring ? string.Empty : null, Occurrence, Reason,
                false),
            _ => new StoredState(Partition, Token, Entry, score <= Now ? ScheduledMessageState.Overdue : ScheduledMessageState.Waiting, score, null,
                Recurring ? string.Empty : null, Occurrence, Reason, false),
        };
    }
}
