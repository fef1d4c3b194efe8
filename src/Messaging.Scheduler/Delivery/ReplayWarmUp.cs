using MassTransit;
using MassTransit.Context;
using MassTransit.Serialization;

namespace Messaging.Scheduler.Delivery;

/// <summary>
/// Runs the replay path once on a message that goes nowhere (encode as the store keeps it, decode, deserialize, serialize again), so
/// that the first message due after a worker starts does not pay for compiling it. Nothing is sent or written.
/// </summary>
internal static class ReplayWarmUp
{
    sealed record WarmUpMessage(string Text);

    public static async Task Run(CancellationToken cancellationToken)
    {
        var serializer = new ScheduledMessageSerializer(int.MaxValue);
        var destination = new Uri("loopback://localhost/warm-up");
        var (encoded, token) = await serializer.Encode(destination, new WarmUpMessage("warm-up"), Pipe.Empty<SendContext<WarmUpMessage>>(),
            Guid.NewGuid(), destination, null, cancellationToken).ConfigureAwait(false);
        var decoded = StoredMessageCodec.Decode(encoded.Payload).Expand(encoded.Names, SchedulerKeyspace.Format(token));

        var context = new MessageSendContext<SerializedMessageBody>(new SerializedMessageBody(), cancellationToken)
        {
            Serialization = new WarmUpSerialization(),
        };
        await new ReplayPipe(decoded, null).Send(context).ConfigureAwait(false);
        _ = context.Body.GetBytes();
    }

    /// <summary>The exchange <see cref="Publish" /> sends to: bound to nothing, so RabbitMQ drops what it receives.</summary>
    public static readonly Uri Exchange = new($"exchange:{ExchangeName}?durable=false&autodelete=true");

    /// <summary>The name of <see cref="Exchange" /> in RabbitMQ.</summary>
    public const string ExchangeName = "redis-scheduler-warm-up";

    /// <summary>
    /// Republishes one warm-up message exactly as a delivery does (<see cref="ScheduledMessageDispatcher" />: the stored
    /// form, <see cref="ReplayPipe" />, the bus's send endpoint, the broker's confirm) to <see cref="Exchange" />, which routes
    /// it nowhere, so that the first real delivery does not pay for compiling the publish path.
    /// </summary>
    public static async Task Publish(IBus bus, CancellationToken cancellationToken)
    {
        var message = await Stored(Exchange, bus.Address, cancellationToken).ConfigureAwait(false);
        var endpoint = await bus.GetSendEndpoint(Exchange).ConfigureAwait(false);
        await endpoint.Send(new SerializedMessageBody(), new ReplayPipe(message, null), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A warm-up message to <paramref name="destination" /> as the store would hand it to a delivery.</summary>
    public static async Task<StoredMessage> Stored(Uri destination, Uri sourceAddress, CancellationToken cancellationToken)
    {
        var serializer = new ScheduledMessageSerializer(int.MaxValue);
        var (encoded, token) = await serializer.Encode(destination, new WarmUpMessage("warm-up"), Pipe.Empty<SendContext<WarmUpMessage>>(),
            Guid.NewGuid(), sourceAddress, null, cancellationToken).ConfigureAwait(false);
        return StoredMessageCodec.Decode(encoded.Payload).Expand(encoded.Names, SchedulerKeyspace.Format(token));
    }

    sealed class WarmUpSerialization : ISerialization
    {
        public System.Net.Mime.ContentType DefaultContentType => SystemTextJsonMessageSerializer.JsonContentType;

        public IMessageSerializer GetMessageSerializer(System.Net.Mime.ContentType? contentType = null) => SystemTextJsonMessageSerializer.Instance;

        public bool TryGetMessageSerializer(System.Net.Mime.ContentType contentType, out IMessageSerializer serializer)
        {
            serializer = SystemTextJsonMessageSerializer.Instance;
            return true;
        }

        public IMessageDeserializer GetMessageDeserializer(System.Net.Mime.ContentType? contentType = null) => SystemTextJsonMessageSerializer.Instance;

        public bool TryGetMessageDeserializer(System.Net.Mime.ContentType contentType, out IMessageDeserializer deserializer)
        {
            deserializer = SystemTextJsonMessageSerializer.Instance;
            return true;
        }

        public void Probe(ProbeContext context)
        {
        }
    }
}
