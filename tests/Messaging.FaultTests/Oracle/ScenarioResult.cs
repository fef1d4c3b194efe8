namespace Messaging.FaultTests.Oracle;

/// <summary>One scenario's numbers and verdict: what the table shows, plus notes and the evidence of any failure.</summary>
internal sealed class ScenarioResult
{
    public ScenarioResult(string id, string title)
    {
        Id = id;
        Title = title;
    }

    public string Id { get; }
    public string Title { get; }

    public int Scheduled { get; set; }
    public int ScheduleFailed { get; set; }
    public int Delivered { get; set; }
    public int Deliveries { get; set; }
    public int Lost { get; set; }
    public int Early { get; set; }
    public int CancelledDelivered { get; set; }
    public int Cancelled { get; set; }
    /// <summary>Messages the broker handed the consumers more than once (at least once delivery), whether or not an SMS went out.</summary>
    public int Duplicates { get; set; }

    /// <summary>Messages sent to the SMS gateway under more than one idempotency key: a second SMS even at a gateway that
    /// honours idempotency keys.</summary>
    public int DuplicateSms { get; set; }

    /// <summary>Messages the consumer handed the gateway more than once with the same idempotency key (a worker killed
    /// between the send and the idempotent consumer's mark): a second SMS only at a gateway without idempotency keys.</summary>
    public int RepeatedGatewayCalls { get; set; }

    /// <summary>The scenario requires every message to give one SMS at most (the idempotent consumer's promise).</summary>
    public bool RequireNoDuplicateSms { get; set; }
    public int UnexplainedDuplicates { get; set; }
    public int WrongPayload { get; set; }
    public int WrongMessageId { get; set; }
    public int DeadLettered { get; set; }
    public int Foreign { get; set; }

    /// <summary>Messages whose scheduling call returned but that a crash erased (the AOF everysec window): measured, not a failure.</summary>
    public int WindowLost { get; set; }

    public TimeSpan? CatchUp { get; set; }
    public string CatchUpMeaning { get; set; } = string.Empty;
    public TimeSpan Duration { get; set; }
    public bool BoundExceeded { get; set; }

    /// <summary>The scenario stopped early on an error: its numbers cover only what happened until then.</summary>
    public bool Errored { get; set; }

    public List<string> Failures { get; } = [];
    public List<string> Notes { get; } = [];
    public List<string> Evidence { get; } = [];

    public bool Passed => Failures.Count == 0 && !BoundExceeded && !Errored && Lost == 0 && Early == 0 && CancelledDelivered == 0
        && UnexplainedDuplicates == 0 && WrongPayload == 0 && WrongMessageId == 0 && (!RequireNoDuplicateSms || DuplicateSms == 0);

    public void Fail(string reason)
    {
        lock (Failures)
            Failures.Add(reason);
    }

    public void Note(string note)
    {
        lock (Notes)
            Notes.Add(note);
    }
}
