namespace Messaging.Scheduler.Storage;

/// <summary>What a cancel by token found.</summary>
internal enum CancelOutcome
{
    /// <summary>No entry with this token: never scheduled, already delivered, or already cancelled.</summary>
    NotFound,

    /// <summary>The entry was removed and will not be delivered.</summary>
    Cancelled,

    /// <summary>A bridge had already claimed the entry: it is being delivered.</summary>
    TooLate,
}
