namespace Messaging.Consumers;

/// <summary>Sends an SMS. The worker's default (<see cref="LoggingSmsSender" />) only logs it, as the seed's worker does.</summary>
public interface ISmsSender
{
    /// <summary>Sends <paramref name="text" /> to <paramref name="recipient" />.</summary>
    /// <param name="channel">The seed's channel: <c>SELLER</c> or <c>OPERATOR</c>.</param>
    /// <param name="correlationKey">The seed's <c>c_key</c>.</param>
    /// <param name="recipient">The phone number.</param>
    /// <param name="text">The message text.</param>
    /// <param name="idempotencyKey">The MessageId of the message being consumed: the same for every copy of one message
    /// (a redelivery after a crash), so that a gateway that takes an idempotency key sends one SMS per message even when
    /// the worker died between sending and recording that it had consumed the message.</param>
    /// <param name="cancellationToken">Stops the send.</param>
    Task Send(string channel, string correlationKey, string recipient, string text, Guid idempotencyKey, CancellationToken cancellationToken);
}
