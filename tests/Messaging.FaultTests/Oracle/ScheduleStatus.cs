namespace Messaging.FaultTests.Oracle;

/// <summary>What the scheduling call of a ledger entry returned.</summary>
internal enum ScheduleStatus
{
    /// <summary>The call has not returned yet.</summary>
    Pending,

    /// <summary>The call returned: the product says the message is durable in Redis.</summary>
    Ok,

    /// <summary>The call threw (Redis down): the message may or may not be stored; either outcome is allowed.</summary>
    Failed,
}
