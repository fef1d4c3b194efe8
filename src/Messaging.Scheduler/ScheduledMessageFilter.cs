namespace Messaging.Scheduler;

/// <summary>Which messages a list or a bulk change takes; every property that is set must match.</summary>
public sealed record ScheduledMessageFilter
{
    /// <summary>Every message.</summary>
    public static ScheduledMessageFilter All { get; } = new();

    /// <summary>The message type, as its URN (<c>urn:message:Messaging.Contracts:SellerNotification</c>) or the name
    /// after its last colon (<c>SellerNotification</c>).</summary>
    public string? MessageType { get; init; }

    /// <summary>The destination address, as stored (<c>rabbitmq://localhost/exchange-name</c>) or the last segment of its
    /// path.</summary>
    public string? Destination { get; init; }

    /// <summary>The channel (<c>SELLER</c>).</summary>
    public string? Channel { get; init; }
}
