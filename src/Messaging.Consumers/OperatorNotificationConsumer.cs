using MassTransit;
using Messaging.Contracts;

namespace Messaging.Consumers;

/// <summary>Dispatches an <see cref="OperatorNotification" /> as an SMS on the <c>OPERATOR</c> channel.</summary>
public sealed class OperatorNotificationConsumer : IConsumer<OperatorNotification>
{
    /// <summary>The seed's channel name for operator notifications.</summary>
    public const string Channel = "OPERATOR";

    readonly ISmsSender _sender;

    /// <summary>Creates the consumer.</summary>
    public OperatorNotificationConsumer(ISmsSender sender)
    {
        _sender = sender;
    }

    /// <inheritdoc />
    public Task Consume(ConsumeContext<OperatorNotification> context)
    {
        var message = context.Message;
        return _sender.Send(Channel, message.CorrelationKey, message.Recipient, message.Text, context.MessageId ?? Guid.Empty, context.CancellationToken);
    }
}
