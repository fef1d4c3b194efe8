namespace Messaging.FaultTests.Oracle;

/// <summary>One scheduled message, as the suite asked for it: written before the scheduling call, completed after it.</summary>
internal sealed class LedgerEntry
{
    public required Guid Token { get; init; }
    public required Guid MessageId { get; init; }
    public required string Channel { get; init; }
    public required string CorrelationKey { get; init; }
    public required string Recipient { get; init; }
    public required string Text { get; init; }
    public required DateTime DueUtc { get; init; }

    /// <summary>The token as the header and Redis spell it: 32 hex digits.</summary>
    public string TokenText => Token.ToString("N");

    public long DueUs => Infrastructure.Clock.ToUs(DueUtc);

    public string Digest => Oracle.Digest.Of(Channel, CorrelationKey, Recipient, Text);

    public ScheduleStatus Status { get; set; }
    public long CalledUs { get; set; }
    public long ReturnedUs { get; set; }
    public string? Error { get; set; }

    public CancelResult Cancel { get; set; }
    public long CancelCalledUs { get; set; }
    public long CancelReturnedUs { get; set; }
}
