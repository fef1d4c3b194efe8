using System.Text.Json;
using MassTransit;
using MassTransit.Serialization;
using Messaging.Scheduler.Entries;
using RabbitMQ.Client;

namespace Messaging.Benchmarks.Direct;

/// <summary>
/// The AMQP message MassTransit's RabbitMQ transport publishes when the bridge replays a stored envelope, built without
/// MassTransit's send pipeline: the envelope is read with MassTransit's JSON options, given the fields a send sets afresh
/// (the MessageId of this delivery, the destination, the sending host, the expiration from the time left; the replay
/// keeps the stored <c>sentTime</c>, as MassTransit's does), and written again with the same options; the basic properties and headers are those the transport sets for it. Only for stored
/// MassTransit JSON envelopes without transport properties (no routing key, priority, raw JSON replay): anything else
/// <see cref="TryBuild" /> declines. <c>DirectPublishEqualityTests</c> compares the result with what the bridge publishes.
/// </summary>
internal static class DirectEnvelope
{
    const string EnvelopeContentType = "application/vnd.masstransit+json";

    /// <summary>The message to publish for <paramref name="message" />, or null when this path does not handle it.</summary>
    /// <param name="message">The stored message.</param>
    /// <param name="messageId">A MessageId for this delivery (a recurring occurrence), or null to keep the stored one.</param>
    /// <param name="hostAddress">The bus's host address, to resolve the destination's exchange as the transport does.</param>
    public static DirectMessage? TryBuild(StoredMessage message, Guid? messageId, Uri hostAddress)
    {
        if (message.TransportProperties.Count > 0 || !string.Equals(message.ContentType, EnvelopeContentType, StringComparison.OrdinalIgnoreCase))
            return null;

        var envelope = JsonSerializer.Deserialize<JsonMessageEnvelope>(message.Body.Span, SystemTextJsonMessageSerializer.Options)
            ?? throw new FormatException("the stored envelope is empty");
        var exchange = new RabbitMqEndpointAddress(hostAddress, message.Destination).Name;

        if (messageId is { } id)
            envelope.MessageId = id.ToString();
        envelope.DestinationAddress = message.Destination.ToString();

        string? expiration = null;
        if (envelope.ExpirationTime is { } expires)
        {
            var left = expires.ToUniversalTime() - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                left = TimeSpan.FromMilliseconds(1);
            envelope.ExpirationTime = DateTime.UtcNow + left;
            expiration = ((long)left.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        envelope.Host = MassTransit.Metadata.HostMetadataCache.Host;

        var properties = new BasicProperties
        {
            ContentType = EnvelopeContentType,
            DeliveryMode = DeliveryModes.Persistent,
            Headers = new Dictionary<string, object?>(),
        };
        if (envelope.MessageId is { } mid)
            properties.MessageId = mid;
        if (envelope.CorrelationId is { } cid)
            properties.CorrelationId = cid;
        if (expiration != null)
            properties.Expiration = expiration;
        if (envelope.Headers is { } headers)
        {
            foreach (var (key, value) in headers)
            {
                if (value is not null && Header(value) is { } amqp)
                    properties.Headers[key] = amqp;
            }
        }

        var body = JsonSerializer.SerializeToUtf8Bytes<MessageEnvelope>(envelope, SystemTextJsonMessageSerializer.Options);
        return new DirectMessage(exchange, string.Empty, properties, body);
    }

    /// <summary>A header value as the transport puts it on the AMQP message: text as a string, numbers and booleans as
    /// they are.</summary>
    static object? Header(object value) => value switch
    {
        string text => text,
        JsonElement { ValueKind: JsonValueKind.String } element => element.GetString(),
        JsonElement { ValueKind: JsonValueKind.True } => true,
        JsonElement { ValueKind: JsonValueKind.False } => false,
        JsonElement { ValueKind: JsonValueKind.Number } element when element.TryGetInt64(out var number) => number,
        JsonElement { ValueKind: JsonValueKind.Number } element => element.GetDouble(),
        JsonElement other => other.GetRawText(),
        bool or int or long or double or decimal => value,
        _ => value.ToString(),
    };
}
