namespace Messaging.Scheduler.Storage;

/// <summary>What giving a claimed entry back after a failed delivery did (see <see cref="RedisScheduleStore.Release" />).</summary>
internal enum ReleaseOutcome
{
    /// <summary>The claim no longer held the entry (its lease was taken over, or the token scheduled again): nothing changed.</summary>
    ClaimLost,

    /// <summary>The entry is due again after the delay.</summary>
    Retried,

    /// <summary>The entry was dead-lettered: out of attempts, none allowed, or its header could not be read.</summary>
    DeadLettered,
}
