using System.Text.Json;
using MassTransit;
using MassTransit.Serialization;

namespace Messaging.Scheduler.Delivery;

/// <summary>
/// Delivers a message that was scheduled as raw JSON (<see cref="ReplayFormat" />) as raw JSON again: the message's JSON
/// alone as the body, <c>application/json</c>, its IDs and message types in the transport headers (MassTransit's
/// <see cref="RawSerializerOptions.Default" />), so that a consumer on raw JSON reads it as the service sent it.
/// </summary>
internal static class RawJsonReplay
{
    /// <summary>MassTransit's raw JSON deserializer, for a raw JSON body stored whole.</summary>
    public static readonly IMessageDeserializer Deserializer = new SystemTextJsonRawMessageSerializer(RawSerializerOptions.Default);

    /// <summary>Whether the stored message is to be delivered as raw JSON.</summary>
    public static bool IsMarked(StoredMessage message) =>
        message.TransportProperties.TryGetValue(ReplayFormat.PropertyName, out var format) && format is string text && ReplayFormat.IsRawJson(text)
        && !ReplayFormat.IsRawJson(message.ContentType);

    /// <summary>The serializer that writes the stored envelope's message as raw JSON.</summary>
    /// <exception cref="FormatException">The stored envelope has no message.</exception>
    public static IMessageSerializer Serializer(StoredMessage message)
    {
        using var document = JsonDocument.Parse(message.Body);
        if (!document.RootElement.TryGetProperty("message", out var body))
            throw new FormatException("the stored envelope has no message to deliver as raw JSON");

        return new SystemTextJsonBodyMessageSerializer(body.Clone(), SystemTextJsonRawMessageSerializer.JsonContentType, SystemTextJsonMessageSerializer.Options,
            RawSerializerOptions.Default);
    }
}
