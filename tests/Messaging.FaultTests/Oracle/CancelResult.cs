namespace Messaging.FaultTests.Oracle;

/// <summary>What a cancel of a ledger entry reported.</summary>
internal enum CancelResult
{
    /// <summary>Not cancelled.</summary>
    None,

    /// <summary>The product reported the message cancelled: it must never be delivered.</summary>
    Cancelled,

    /// <summary>The product reported a bridge had already claimed it: it must be delivered.</summary>
    TooLate,

    /// <summary>The product found no entry (already delivered): it must be delivered.</summary>
    NotFound,

    /// <summary>The cancel call threw.</summary>
    Failed,
}
