using MassTransit;
using MassTransit.Context;
using MassTransit.Serialization;

namespace Messaging.Scheduler.Delivery;

/// <summary>
/// Puts a stored message back on a send context, as MassTransit's Quartz integration replays a scheduled message:
/// the stored envelope is deserialized with the bus's deserializer for its content type, its MessageId, correlation,
/// conversation, initiator and request IDs, addresses, message types, expiration and headers are copied onto the
/// outgoing context, the transport properties are restored, and the message is serialized again as it was.
/// </summary>
internal sealed class ReplayPipe : IPipe<SendContext>
{
    readonly StoredMessage _message;
    readonly Guid? _messageId;

    /// <param name="message">The stored message.</param>
    /// <param name="messageId">A MessageId of its own for this delivery (each occurrence of a recurring schedule has
    /// one); null keeps the stored one.</param>
    public ReplayPipe(StoredMessage message, Guid? messageId)
    {
        _message = message;
        _messageId = messageId;
    }

    /// <summary>When the stored message's time-to-live ran out while it waited, the expiration it had.</summary>
    public DateTime? ExpiredAt { get; private set; }

    public Task Send(SendContext context)
    {
        // A body stored whole as raw JSON is read by MassTransit's raw JSON deserializer, whether or not this bus has one.
        var deserializer = ReplayFormat.IsRawJson(_message.ContentType)
            ? RawJsonReplay.Deserializer
            : context.Serialization.GetMessageDeserializer(new System.Net.Mime.ContentType(_message.ContentType));
        var stored = deserializer.Deserialize(new BytesMessageBody(_message.Body.ToArray()), EmptyHeaders.Instance, _message.Destination);

        context.MessageId = _messageId ?? stored.MessageId;
        context.RequestId = stored.RequestId;
        context.CorrelationId = stored.CorrelationId;
        context.ConversationId = stored.ConversationId;
        context.InitiatorId = stored.InitiatorId;
        context.SourceAddress = stored.SourceAddress;
        context.ResponseAddress = stored.ResponseAddress;
        context.FaultAddress = stored.FaultAddress;

        if (stored.SupportedMessageTypes.Length > 0)
            context.SupportedMessageTypes = stored.SupportedMessageTypes;

        if (stored.ExpirationTime is { } expiration)
        {
            var left = expiration.ToUniversalTime() - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                ExpiredAt = expiration;
                left = TimeSpan.FromMilliseconds(1);
            }

            context.TimeToLive = left;
        }

        foreach (var header in stored.Headers.GetAll())
            context.Headers.Set(header.Key, header.Value);

        if (_message.TransportProperties.Count > 0 && context is TransportSendContext transportContext)
            transportContext.ReadPropertiesFrom(_message.TransportProperties);

        context.Serializer = RawJsonReplay.IsMarked(_message) ? RawJsonReplay.Serializer(_message) : stored.GetMessageSerializer();
        return Task.CompletedTask;
    }

    public void Probe(ProbeContext context) => context.CreateScope("redisSchedulerReplay");
}
