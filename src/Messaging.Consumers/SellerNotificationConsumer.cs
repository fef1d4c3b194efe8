using MassTransit;
using Messaging.Contracts;

namespace Messaging.Consumers;

/// <summary>Dispatches a <see cref="SellerNotification" /> as an SMS on the <c>SELLER</c> channel.</summary>
public sealed class SellerNotificationConsumer : IConsumer<SellerNotification>
{
    /// <summary>The seed's channel name for seller notifications.</summary>
    public const string Channel = "SELLER";

    readonly ISmsSender _sender;

    /// <summary>Creates the consumer.</summary>
    public SellerNotificationConsumer(ISmsSender sender)
    {
        _sender = sender;
    }

    /// <inheritdoc />
    public Task Consume(ConsumeContext<SellerNotification> context)
    {
        var message = context.Message;
        return _sender.Send(Channel, message.CorrelationKey, message.Recipient, message.Text, context.MessageId ?? Guid.Empty, context.CancellationToken);
    }
}
