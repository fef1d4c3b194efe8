namespace Messaging.Producer;

/// <summary>One message the producer schedules.</summary>
/// <param name="Channel">SELLER or OPERATOR.</param>
/// <param name="Key">The correlation key (c_key).</param>
/// <param name="Delay">How long from now, when <paramref name="At" /> is not given.</param>
/// <param name="At">The delivery time, when given.</param>
/// <param name="Recipient">The SMS recipient.</param>
/// <param name="Text">The SMS text.</param>
internal sealed record ScheduledRequest(string Channel, string Key, TimeSpan Delay, DateTimeOffset? At, string Recipient, string Text)
{
    public DateTime DueUtc(DateTimeOffset now) => (At ?? now + Delay).UtcDateTime;
}
