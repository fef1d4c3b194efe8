using System.Text.Json;
using MassTransit.Logging;
using MassTransit.Serialization;

namespace Messaging.Scheduler.Operations;

/// <summary>
/// What the deliver span needs from a stored MassTransit JSON envelope, read without deserializing it (the message is
/// skipped, never read): the trace header of the span that scheduled it (<c>MT-Activity-Id</c>), MassTransit's propagation
/// header (<c>MT-Activity-Propagation</c>), the first message type, the MessageId and the ConversationId. Anything else
/// (another content type, a damaged envelope) gives nothing: the delivery itself reports an unreadable message.
/// </summary>
/// <param name="ActivityId">The stored <c>MT-Activity-Id</c> header (a W3C trace parent), or null.</param>
/// <param name="Propagation">The stored <c>MT-Activity-Propagation</c> header (<c>Link</c>, <c>Parent</c>, <c>New</c>), or null.</param>
/// <param name="MessageType">The envelope's first message type URN, or null.</param>
/// <param name="MessageId">The envelope's MessageId, or null.</param>
/// <param name="ConversationId">The envelope's ConversationId, or null.</param>
internal readonly record struct EnvelopeTraceFields(string? ActivityId, string? Propagation, string? MessageType, string? MessageId, string? ConversationId)
{
    public static EnvelopeTraceFields Read(StoredMessage message)
    {
        if (!string.Equals(message.ContentType, SystemTextJsonMessageSerializer.JsonContentType.ToString(), StringComparison.OrdinalIgnoreCase))
            return default;

        try
        {
            return Scan(message.Body.Span);
        }
        catch (JsonException)
        {
            return default;
        }
    }

    static EnvelopeTraceFields Scan(ReadOnlySpan<byte> json)
    {
        string? activityId = null, propagation = null, messageType = null, messageId = null, conversationId = null;
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return default;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "messageId" when reader.TokenType == JsonTokenType.String:
                    messageId = reader.GetString();
                    break;
                case "conversationId" when reader.TokenType == JsonTokenType.String:
                    conversationId = reader.GetString();
                    break;
                case "messageType" when reader.TokenType == JsonTokenType.StartArray:
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType == JsonTokenType.String)
                            messageType ??= reader.GetString();
                        else
                            reader.Skip();
                    }

                    break;
                case "headers" when reader.TokenType == JsonTokenType.StartObject:
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var header = reader.GetString();
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String
                            && string.Equals(header, DiagnosticHeaders.ActivityId, StringComparison.OrdinalIgnoreCase))
                            activityId = reader.GetString();
                        else if (reader.TokenType == JsonTokenType.String
                            && string.Equals(header, DiagnosticHeaders.ActivityPropagation, StringComparison.OrdinalIgnoreCase))
                            propagation = reader.GetString();
                        else
                            reader.Skip();
                    }

                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return new EnvelopeTraceFields(activityId, propagation, messageType, messageId, conversationId);
    }
}
