using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using MassTransit;
using MassTransit.Serialization;

namespace Messaging.Scheduler.Entries;

/// <summary>
/// A MassTransit JSON envelope (<c>application/vnd.masstransit+json</c>) taken apart so that it can be stored in few bytes,
/// and put together again, equal in every field, when it is due. The message itself is kept as its JSON without
/// indentation; the IDs as 16 bytes each; the times as ticks; the addresses, message types and host description as
/// <see cref="NameTable" /> ids; the headers as JSON, without <c>MT-Scheduling-TokenId</c>, which is the entry's token.
/// An envelope with a field this type does not know is not compacted (the entry keeps the envelope as it is), so nothing
/// a newer MassTransit adds is dropped.
/// </summary>
internal sealed class CompactEnvelope
{
    static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>MassTransit's serializer options without indentation, made on first use so that converters an application
    /// adds to <see cref="SystemTextJsonMessageSerializer.Options" /> while it configures its bus are included.</summary>
    static readonly Lazy<JsonSerializerOptions> SerializerOptions = new(() =>
        new JsonSerializerOptions(SystemTextJsonMessageSerializer.Options) { WriteIndented = false });

    /// <summary>The last host description serialized, with its JSON. A reference, so that concurrent schedules read the
    /// pair whole (a nullable tuple can be read half-written).</summary>
    static SerializedHost? _host;

    /// <summary>The content type of the envelopes this type handles.</summary>
    public static readonly string ContentType = SystemTextJsonMessageSerializer.JsonContentType.ToString();

    public ulong Destination { get; init; }
    public Guid? MessageId { get; init; }
    public Guid? RequestId { get; init; }
    public Guid? CorrelationId { get; init; }
    public Guid? ConversationId { get; init; }
    public Guid? InitiatorId { get; init; }
    public ulong? SourceAddress { get; init; }
    public ulong? DestinationAddress { get; init; }
    public ulong? ResponseAddress { get; init; }
    public ulong? FaultAddress { get; init; }
    public ulong? Host { get; init; }
    public IReadOnlyList<ulong>? MessageTypes { get; init; }
    public long? ExpirationTicks { get; init; }
    public long? SentTicks { get; init; }

    /// <summary>The headers other than the token header, as a JSON object; null when there were none.</summary>
    public byte[]? Headers { get; init; }

    /// <summary>The envelope had <c>MT-Scheduling-TokenId</c> set to the entry's token.</summary>
    public bool TokenHeader { get; init; }

    public IReadOnlyDictionary<string, object> TransportProperties { get; init; } = new Dictionary<string, object>();

    /// <summary>The message, as JSON.</summary>
    public ReadOnlyMemory<byte> Message { get; init; }

    /// <summary>Every name id the entry refers to.</summary>
    public IEnumerable<ulong> NameIds
    {
        get
        {
            yield return Destination;
            foreach (var id in new[] { SourceAddress, DestinationAddress, ResponseAddress, FaultAddress, Host })
            {
                if (id is { } value)
                    yield return value;
            }

            foreach (var id in MessageTypes ?? [])
                yield return id;
        }
    }

    /// <summary>Takes a stored MassTransit JSON envelope apart.</summary>
    /// <param name="message">The stored message.</param>
    /// <param name="token">The entry's scheduling token.</param>
    /// <param name="names">Receives every name the compact form refers to, by id.</param>
    /// <returns>Null when the envelope is not one this type can store without losing anything: another content type, a
    /// field it does not know, an ID that is not a GUID, a time it cannot read.</returns>
    public static CompactEnvelope? TryCreate(StoredMessage message, Guid token, IDictionary<ulong, string> names)
    {
        if (!string.Equals(message.ContentType, ContentType, StringComparison.OrdinalIgnoreCase))
            return null;

        try
        {
            using var document = JsonDocument.Parse(message.Body);
            return document.RootElement.ValueKind == JsonValueKind.Object ? Read(document.RootElement, message, token, names) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Takes apart the envelope MassTransit would serialize for a send context (<see cref="JsonMessageEnvelope" />, built
    /// by the caller from the context), serializing only the message and the headers, with MassTransit's options.
    /// </summary>
    /// <returns>Null when a field cannot be held exactly (an ID that is not a GUID).</returns>
    public static CompactEnvelope? FromEnvelope(JsonMessageEnvelope envelope, Uri destination, Guid token,
        IReadOnlyDictionary<string, object> transportProperties, IDictionary<ulong, string> names)
    {
        if (envelope.Message == null
            || !TryGuid(envelope.MessageId, out var messageId) || !TryGuid(envelope.RequestId, out var requestId)
            || !TryGuid(envelope.CorrelationId, out var correlationId) || !TryGuid(envelope.ConversationId, out var conversationId)
            || !TryGuid(envelope.InitiatorId, out var initiatorId))
            return null;

        var options = SerializerOptions.Value;
        var headers = new Dictionary<string, object?>(envelope.Headers, StringComparer.OrdinalIgnoreCase);
        var tokenHeader = headers.TryGetValue(MessageHeaders.SchedulingTokenId, out var tokenValue) && tokenValue is string text
            && text == token.ToString("D") && headers.Remove(MessageHeaders.SchedulingTokenId);

        ulong? host = null;
        if (envelope.Host is { } hostInfo)
        {
            // The host description is the same object for every message a process sends: serialize it once.
            var cached = Volatile.Read(ref _host);
            if (cached == null || !ReferenceEquals(cached.Host, hostInfo))
                Volatile.Write(ref _host, cached = new SerializedHost(hostInfo, JsonSerializer.Serialize(hostInfo, options)));
            TryName(cached.Json, names, out host);
        }

        TryName(destination.ToString(), names, out var destinationId);
        return new CompactEnvelope
        {
            Destination = destinationId!.Value,
            MessageId = messageId,
            RequestId = requestId,
            CorrelationId = correlationId,
            ConversationId = conversationId,
            InitiatorId = initiatorId,
            SourceAddress = OptionalName(envelope.SourceAddress, names),
            DestinationAddress = OptionalName(envelope.DestinationAddress, names),
            ResponseAddress = OptionalName(envelope.ResponseAddress, names),
            FaultAddress = OptionalName(envelope.FaultAddress, names),
            Host = host,
            MessageTypes = envelope.MessageType?.Select(type => OptionalName(type, names)!.Value).ToArray(),
            ExpirationTicks = envelope.ExpirationTime?.ToUniversalTime().Ticks,
            SentTicks = envelope.SentTime?.ToUniversalTime().Ticks,
            Headers = headers.Count > 0 ? JsonSerializer.SerializeToUtf8Bytes(headers, options) : null,
            TokenHeader = tokenHeader,
            TransportProperties = transportProperties,
            Message = JsonSerializer.SerializeToUtf8Bytes(envelope.Message, envelope.Message.GetType(), options),
        };
    }

    static ulong? OptionalName(string? name, IDictionary<ulong, string> names) =>
        name != null && TryName(name, names, out var id) ? id : null;

    static bool TryGuid(string? text, out Guid? guid)
    {
        guid = null;
        if (text == null)
            return true;

        // Only the form MassTransit writes comes back the same.
        if (!Guid.TryParse(text, out var parsed) || !string.Equals(parsed.ToString(), text, StringComparison.Ordinal))
            return false;
        guid = parsed;
        return true;
    }

    static CompactEnvelope? Read(JsonElement root, StoredMessage stored, Guid token, IDictionary<ulong, string> names)
    {
        Guid? messageId = null, requestId = null, correlationId = null, conversationId = null, initiatorId = null;
        ulong? source = null, destination = null, response = null, fault = null, host = null;
        List<ulong>? types = null;
        long? expiration = null, sent = null;
        byte[]? headers = null;
        byte[]? body = null;
        var tokenHeader = false;

        foreach (var property in root.EnumerateObject())
        {
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null)
                continue;

            var ok = property.Name.ToLowerInvariant() switch
            {
                "messageid" => TryGuid(value, out messageId),
                "requestid" => TryGuid(value, out requestId),
                "correlationid" => TryGuid(value, out correlationId),
                "conversationid" => TryGuid(value, out conversationId),
                "initiatorid" => TryGuid(value, out initiatorId),
                "sourceaddress" => TryName(value, names, out source),
                "destinationaddress" => TryName(value, names, out destination),
                "responseaddress" => TryName(value, names, out response),
                "faultaddress" => TryName(value, names, out fault),
                "messagetype" => TryNames(value, names, out types),
                "expirationtime" => TryTime(value, out expiration),
                "senttime" => TryTime(value, out sent),
                "headers" => TryHeaders(value, token, out headers, out tokenHeader),
                "host" => value.ValueKind == JsonValueKind.Object && TryName(Minified(value), names, out host),
                "message" => (body = MinifiedBytes(value)).Length > 0,
                _ => false,
            };

            if (!ok)
                return null;
        }

        if (body == null)
            return null;

        TryName(stored.Destination.ToString(), names, out var destinationId);
        return new CompactEnvelope
        {
            Destination = destinationId!.Value,
            MessageId = messageId,
            RequestId = requestId,
            CorrelationId = correlationId,
            ConversationId = conversationId,
            InitiatorId = initiatorId,
            SourceAddress = source,
            DestinationAddress = destination,
            ResponseAddress = response,
            FaultAddress = fault,
            Host = host,
            MessageTypes = types,
            ExpirationTicks = expiration,
            SentTicks = sent,
            Headers = headers,
            TokenHeader = tokenHeader,
            TransportProperties = stored.TransportProperties,
            Message = body,
        };
    }

    /// <summary>Puts the envelope together again.</summary>
    /// <param name="names">The names of <see cref="NameIds" />.</param>
    /// <param name="token">The entry's token (32 hex digits).</param>
    /// <exception cref="FormatException">A name is missing from the table, or the token is not a scheduler token.</exception>
    public StoredMessage Expand(IReadOnlyDictionary<ulong, string> names, string token)
    {
        var buffer = new ArrayBufferWriter<byte>(Message.Length + 512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            WriteGuid(writer, "messageId", MessageId);
            WriteGuid(writer, "requestId", RequestId);
            WriteGuid(writer, "correlationId", CorrelationId);
            WriteGuid(writer, "conversationId", ConversationId);
            WriteGuid(writer, "initiatorId", InitiatorId);
            WriteName(writer, "sourceAddress", SourceAddress, names);
            WriteName(writer, "destinationAddress", DestinationAddress, names);
            WriteName(writer, "responseAddress", ResponseAddress, names);
            WriteName(writer, "faultAddress", FaultAddress, names);
            if (MessageTypes != null)
            {
                writer.WriteStartArray("messageType");
                foreach (var id in MessageTypes)
                    writer.WriteStringValue(Name(id, names));
                writer.WriteEndArray();
            }

            writer.WritePropertyName("message");
            writer.WriteRawValue(Message.Span);
            if (ExpirationTicks is { } expiration)
                writer.WriteString("expirationTime", new DateTime(expiration, DateTimeKind.Utc));
            if (SentTicks is { } sent)
                writer.WriteString("sentTime", new DateTime(sent, DateTimeKind.Utc));
            WriteHeaders(writer, token);
            if (Host is { } host)
            {
                writer.WritePropertyName("host");
                writer.WriteRawValue(Name(host, names));
            }

            writer.WriteEndObject();
        }

        return new StoredMessage(new Uri(Name(Destination, names)), ContentType, TransportProperties, buffer.WrittenMemory);
    }

    void WriteHeaders(Utf8JsonWriter writer, string token)
    {
        if (Headers == null && !TokenHeader)
            return;

        writer.WriteStartObject("headers");
        if (TokenHeader)
        {
            if (!Guid.TryParseExact(token, "N", out var tokenId))
                throw new FormatException($"the entry's token '{token}' is not a scheduler token, so its MT-Scheduling-TokenId header cannot be restored");
            writer.WriteString(MessageHeaders.SchedulingTokenId, tokenId);
        }

        if (Headers != null)
        {
            using var document = JsonDocument.Parse(Headers);
            foreach (var header in document.RootElement.EnumerateObject())
                header.WriteTo(writer);
        }

        writer.WriteEndObject();
    }

    static string Name(ulong id, IReadOnlyDictionary<ulong, string> names) =>
        names.TryGetValue(id, out var name)
            ? name
            : throw new FormatException($"the entry refers to the name {id:x16}, which is missing from the scheduler's names hash");

    static void WriteName(Utf8JsonWriter writer, string property, ulong? id, IReadOnlyDictionary<ulong, string> names)
    {
        if (id is { } value)
            writer.WriteString(property, Name(value, names));
    }

    static void WriteGuid(Utf8JsonWriter writer, string property, Guid? value)
    {
        if (value is { } guid)
            writer.WriteString(property, guid);
    }

    static bool TryGuid(JsonElement value, out Guid? guid)
    {
        guid = null;
        return value.ValueKind == JsonValueKind.String && TryGuid(value.GetString(), out guid);
    }

    static bool TryName(JsonElement value, IDictionary<ulong, string> names, out ulong? id)
    {
        id = null;
        return value.ValueKind == JsonValueKind.String && TryName(value.GetString()!, names, out id);
    }

    static bool TryName(string? name, IDictionary<ulong, string> names, out ulong? id)
    {
        id = null;
        if (name == null)
            return false;
        var value = NameTable.IdOf(name);
        names[value] = name;
        id = value;
        return true;
    }

    static bool TryNames(JsonElement value, IDictionary<ulong, string> names, out List<ulong>? ids)
    {
        ids = null;
        if (value.ValueKind != JsonValueKind.Array)
            return false;
        var list = new List<ulong>();
        foreach (var item in value.EnumerateArray())
        {
            if (!TryName(item, names, out var id))
                return false;
            list.Add(id!.Value);
        }

        ids = list;
        return true;
    }

    static bool TryTime(JsonElement value, out long? ticks)
    {
        ticks = null;
        if (value.ValueKind != JsonValueKind.String || !value.TryGetDateTimeOffset(out var time))
            return false;
        ticks = time.UtcTicks;
        return true;
    }

    static bool TryHeaders(JsonElement value, Guid token, out byte[]? headers, out bool tokenHeader)
    {
        headers = null;
        tokenHeader = false;
        if (value.ValueKind != JsonValueKind.Object)
            return false;

        var buffer = new ArrayBufferWriter<byte>();
        var count = 0;
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            foreach (var header in value.EnumerateObject())
            {
                if (!tokenHeader && header.Name == MessageHeaders.SchedulingTokenId && header.Value.ValueKind == JsonValueKind.String
                    && header.Value.GetString() == token.ToString("D"))
                {
                    tokenHeader = true;
                    continue;
                }

                header.WriteTo(writer);
                count++;
            }

            writer.WriteEndObject();
        }

        if (count > 0)
            headers = buffer.WrittenSpan.ToArray();
        return true;
    }

    static string Minified(JsonElement value) => System.Text.Encoding.UTF8.GetString(MinifiedBytes(value));

    static byte[] MinifiedBytes(JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            value.WriteTo(writer);
        return buffer.WrittenSpan.ToArray();
    }

    sealed record SerializedHost(HostInfo Host, string Json);
}
