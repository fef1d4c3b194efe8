namespace Messaging.Scheduler;

/// <summary>A scheduled message the bridge gave up on, with the reason.</summary>
/// <param name="Token">The scheduling token as stored (32 hex digits for messages the scheduler wrote).</param>
/// <param name="Partition">The partition it lives in.</param>
/// <param name="DeadLetteredAt">When it was dead-lettered, by the Redis clock.</param>
/// <param name="Reason">Why: the last delivery error, or why the entry could not be read.</param>
public sealed record DeadLetteredMessage(string Token, int Partition, DateTime DeadLetteredAt, string Reason)
{
    /// <summary>The token as MassTransit's <c>ScheduledMessage.TokenId</c> gives it; null for an entry whose token is not a
    /// GUID.</summary>
    public Guid? TokenId => Guid.TryParseExact(Token, "N", out var id) ? id : null;
}
