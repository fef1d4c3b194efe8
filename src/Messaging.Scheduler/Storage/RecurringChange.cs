namespace Messaging.Scheduler.Storage;

/// <summary>What <see cref="RedisScheduleStore.ChangeRecurring" /> does to a recurring schedule.</summary>
internal enum RecurringChange
{
    /// <summary>Removes the schedule; an occurrence already in flight is still delivered, and then nothing follows it.</summary>
    Cancel,

    /// <summary>Takes the next occurrence out of the due index until the schedule is resumed.</summary>
    Pause,

    /// <summary>Makes a paused schedule's next occurrence due again.</summary>
    Resume,
}
