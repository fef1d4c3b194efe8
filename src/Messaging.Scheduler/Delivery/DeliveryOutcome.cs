namespace Messaging.Scheduler.Delivery;

/// <summary>What one delivery attempt came to (<see cref="MessageDelivery" />).</summary>
/// <param name="Kind">What the store is told.</param>
/// <param name="Destination">Where the message went, when it was read.</param>
/// <param name="Reason">Why an unreadable entry is dead-lettered.</param>
/// <param name="Error">Why a delivery failed.</param>
/// <param name="ExpiredAt">When a confirmed message's time-to-live had already run out before it was published.</param>
internal readonly record struct DeliveryOutcome(
    DeliveryOutcomeKind Kind,
    Uri? Destination = null,
    string? Reason = null,
    Exception? Error = null,
    DateTime? ExpiredAt = null)
{
    public static DeliveryOutcome Confirmed(Uri destination, DateTime? expiredAt) => new(DeliveryOutcomeKind.Confirmed, destination, ExpiredAt: expiredAt);

    public static DeliveryOutcome Unreadable(string reason) => new(DeliveryOutcomeKind.Unreadable, Reason: reason);

    public static DeliveryOutcome Interrupted { get; } = new(DeliveryOutcomeKind.Interrupted, Reason: "the bridge stopped while delivering it");

    /// <summary>A publish that threw: unreadable when no retry can fix it (<see cref="DeliveryPolicy.PoisonReason" />),
    /// failed otherwise.</summary>
    public static DeliveryOutcome Of(Exception error) =>
        DeliveryPolicy.PoisonReason(error) is { } reason ? Unreadable(reason) : new(DeliveryOutcomeKind.Failed, Error: error);
}
