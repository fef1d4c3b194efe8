namespace Messaging.Scheduler.Delivery;

/// <summary>What became of one acknowledgement the bridge handed to <see cref="AcknowledgementBatcher" />.</summary>
internal enum AcknowledgeOutcome
{
    /// <summary>The entry was deleted (or moved to its next occurrence) under the claim that delivered it.</summary>
    Acknowledged,

    /// <summary>The claim was lost before the acknowledgement arrived: its lease ran out, or the token was scheduled again.</summary>
    ClaimLost,

    /// <summary>Redis could not be asked: the entry stays in flight, and is delivered again when its lease runs out.</summary>
    NotRecorded,
}
