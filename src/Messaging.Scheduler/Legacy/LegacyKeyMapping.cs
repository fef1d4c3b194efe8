using MassTransit;

namespace Messaging.Scheduler.Legacy;

/// <summary>One mapped pattern: <c>SELLER:*</c>, its channel <c>SELLER</c>, and how a correlation key becomes the entry.</summary>
/// <param name="Pattern">The key pattern, <c>SELLER:*</c>.</param>
/// <param name="Channel">The channel, <c>SELLER</c>: the key's prefix without the colon.</param>
/// <param name="MessageType">The message type.</param>
/// <param name="Create">Makes the message of a correlation key.</param>
/// <param name="Encode">Serializes the message for the store, with its MessageId and token, published to its exchange.</param>
internal sealed record LegacyKeyMapping(string Pattern, string Channel, Type MessageType, Func<string, object> Create, LegacyEncoder Encode)
{
    /// <summary>The key's prefix, <c>SELLER:</c>.</summary>
    public string Prefix => Channel + ":";

    public static LegacyEncoder EncoderFor<T>()
        where T : class =>
        async (serializer, bus, message, messageId, token, cancellationToken) =>
        {
            if (!bus.Topology.Publish<T>().TryGetPublishAddress(bus.Address, out var destination))
                throw new InvalidOperationException($"The bus has no publish address for {typeof(T).Name}: a legacy key cannot be mapped to it.");

            var pipe = Pipe.Execute<SendContext<T>>(context => context.MessageId = messageId);
            var (entry, _) = await serializer.Encode(destination, (T)message, pipe, token, bus.Address, null, cancellationToken).ConfigureAwait(false);
            return (entry, destination);
        };
}

/// <summary>Serializes a mapped message (see <see cref="LegacyKeyMapping.EncoderFor{T}" />).</summary>
internal delegate Task<(EncodedEntry Entry, Uri Destination)> LegacyEncoder(ScheduledMessageSerializer serializer, IBus bus, object message, Guid messageId,
    Guid token, CancellationToken cancellationToken);
