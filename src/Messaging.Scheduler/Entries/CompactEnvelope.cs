using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using MassTransit;
using MassTransit.Serialization;

namespace Messaging.Scheduler.Entries;

/// <summary>
/// A MassTransit JSON envelope (<c>application/vnd.masstransit+json</c>) taken apart so that it can be stored in few bytes
/// (format 2), and put together again, equal in every field MassTransit reads, when it is due. The message itself is kept
/// as its JSON without indentation; the IDs as 16 bytes each; the times as ticks; the addresses, message types and host
/// description as <see cref="NameTable" /> ids; the headers as JSON, without <c>MT-Scheduling-TokenId</c>, which is the
/// entry's token. Every envelope comes in as MassTransit's own <see cref="JsonMessageEnvelope" />
/// (<see cref="FromEnvelope" />), whichever way the message was scheduled. An envelope this type cannot hold exactly is
/// kept whole instead (<see cref="WholeEnvelope" />), so nothing a newer MassTransit adds is dropped.
/// </summary>
internal sealed class CompactEnvelope : StoredEntry
{
    /// <summary>The envelope's IDs, in the order format 2 writes them.</summary>
    public static readonly EnvelopeField[] IdFields =
    [
        new("messageId", EntryFields.MessageId, e => e.MessageId),
        new("requestId", EntryFields.RequestId, e => e.RequestId),
        new("correlationId", EntryFields.CorrelationId, e => e.CorrelationId),
        new("conversationId", EntryFields.ConversationId, e => e.ConversationId),
        new("initiatorId", EntryFields.InitiatorId, e => e.InitiatorId),
    ];

    /// <summary>The envelope's addresses, in the order format 2 writes them.</summary>
    public static readonly EnvelopeField[] AddressFields =
    [
        new("sourceAddress", EntryFields.SourceAddress, e => e.SourceAddress),
        new("destinationAddress", EntryFields.DestinationAddress, e => e.DestinationAddress),
        new("responseAddress", EntryFields.ResponseAddress, e => e.ResponseAddress),
        new("faultAddress", EntryFields.FaultAddress, e => e.FaultAddress),
    ];

    /// <summary>The index of the envelope's destination address in <see cref="AddressFields" />.</summary>
    public const int DestinationAddressIndex = 1;

    /// <summary>The content type of the envelopes this type handles.</summary>
    public static readonly string ContentType = SystemTextJsonMessageSerializer.JsonContentType.ToString();

    static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    static readonly Dictionary<ulong, string> NoNames = [];

    /// <summary>MassTransit's serializer options without indentation, made on first use so that converters an application
    /// adds to <see cref="SystemTextJsonMessageSerializer.Options" /> while it configures its bus are included.</summary>
    static readonly Lazy<JsonSerializerOptions> SerializerOptions = new(() =>
        new JsonSerializerOptions(SystemTextJsonMessageSerializer.Options) { WriteIndented = false });

    /// <summary>The same, refusing an envelope with a field <see cref="JsonMessageEnvelope" /> does not know.</summary>
    static readonly Lazy<JsonSerializerOptions> StrictOptions = new(() =>
        new JsonSerializerOptions(SystemTextJsonMessageSerializer.Options) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow });

    /// <summary>The last host description serialized, with its JSON. A reference, so that concurrent schedules read the
    /// pair whole.</summary>
    static SerializedHost? _host;

    /// <summary>The entry's destination: where the message is delivered.</summary>
    public required ulong Destination { get; init; }

    /// <summary>The IDs, in the order of <see cref="IdFields" />.</summary>
    public required Guid?[] Ids { get; init; }

    /// <summary>The addresses, in the order of <see cref="AddressFields" />.</summary>
    public required ulong?[] Addresses { get; init; }

    public ulong? Host { get; init; }
    public IReadOnlyList<ulong>? MessageTypes { get; init; }
    public long? ExpirationTicks { get; init; }
    public long? SentTicks { get; init; }

    /// <summary>The headers other than the token header, as a JSON object; null when there were none.</summary>
    public byte[]? Headers { get; init; }

    /// <summary>The envelope had <c>MT-Scheduling-TokenId</c> set to the entry's token.</summary>
    public bool TokenHeader { get; init; }

    public required IReadOnlyDictionary<string, object> TransportProperties { get; init; }

    /// <summary>The message, as JSON.</summary>
    public required ReadOnlyMemory<byte> Message { get; init; }

    public override IReadOnlyDictionary<ulong, string> Names => NewNames ?? NoNames;

    /// <summary>The names, when the envelope was taken apart here (not when it was read back from Redis).</summary>
    IReadOnlyDictionary<ulong, string>? NewNames { get; init; }

    public override IEnumerable<ulong> NameIds
    {
        get
        {
            yield return Destination;
            foreach (var id in Addresses)
            {
                if (id is { } value)
                    yield return value;
            }

            if (Host is { } host)
                yield return host;
            foreach (var id in MessageTypes ?? [])
                yield return id;
        }
    }

    /// <summary>
    /// Takes apart the envelope MassTransit serializes for a scheduled message, serializing only the message and the
    /// headers, with MassTransit's options.
    /// </summary>
    /// <param name="envelope">The envelope, as MassTransit builds it from the send context.</param>
    /// <param name="destination">Where the message is delivered.</param>
    /// <param name="token">The entry's scheduling token.</param>
    /// <param name="transportProperties">The transport properties to replay.</param>
    /// <returns>Null when a field cannot be held exactly (an ID that is not a GUID in MassTransit's form, no message).</returns>
    public static CompactEnvelope? FromEnvelope(JsonMessageEnvelope envelope, Uri destination, Guid token, IReadOnlyDictionary<string, object> transportProperties)
    {
        if (envelope.Message == null)
            return null;

        var ids = new Guid?[IdFields.Length];
        for (var i = 0; i < IdFields.Length; i++)
        {
            if (!TryGuid(IdFields[i].Read(envelope), out ids[i]))
                return null;
        }

        var names = new Dictionary<ulong, string>();
        var addresses = new ulong?[AddressFields.Length];
        for (var i = 0; i < AddressFields.Length; i++)
            addresses[i] = Name(AddressFields[i].Read(envelope), names);

        var options = SerializerOptions.Value;
        var headers = new Dictionary<string, object?>(envelope.Headers, StringComparer.OrdinalIgnoreCase);
        var tokenHeader = headers.TryGetValue(MessageHeaders.SchedulingTokenId, out var tokenValue) && TextOf(tokenValue) == token.ToString("D")
            && headers.Remove(MessageHeaders.SchedulingTokenId);

        ulong? host = null;
        if (envelope.Host is { } hostInfo)
        {
            // The host description is the same object for every message a process sends: serialize it once.
            var cached = Volatile.Read(ref _host);
            if (cached == null || !ReferenceEquals(cached.Host, hostInfo))
                Volatile.Write(ref _host, cached = new SerializedHost(hostInfo, JsonSerializer.Serialize(hostInfo, options)));
            host = Name(cached.Json, names);
        }

        return new CompactEnvelope
        {
            Destination = Name(destination.ToString(), names)!.Value,
            Ids = ids,
            Addresses = addresses,
            Host = host,
            MessageTypes = envelope.MessageType?.Select(type => Name(type, names)!.Value).ToArray(),
            ExpirationTicks = envelope.ExpirationTime?.ToUniversalTime().Ticks,
            SentTicks = envelope.SentTime?.ToUniversalTime().Ticks,
            Headers = headers.Count > 0 ? JsonSerializer.SerializeToUtf8Bytes(headers, options) : null,
            TokenHeader = tokenHeader,
            TransportProperties = transportProperties,
            Message = JsonSerializer.SerializeToUtf8Bytes(envelope.Message, envelope.Message.GetType(), options),
            NewNames = names,
        };
    }

    /// <summary>Takes apart a serialized MassTransit JSON envelope: read as MassTransit reads it
    /// (<see cref="JsonMessageEnvelope" />), then as <see cref="FromEnvelope" /> does.</summary>
    /// <returns>Null when it is not one this type can hold without losing anything: another content type, a field
    /// <see cref="JsonMessageEnvelope" /> does not know, a value of the wrong kind.</returns>
    public static CompactEnvelope? TryCreate(StoredMessage message, Guid token)
    {
        if (!string.Equals(message.ContentType, ContentType, StringComparison.OrdinalIgnoreCase))
            return null;

        try
        {
            return JsonSerializer.Deserialize<JsonMessageEnvelope>(message.Body.Span, StrictOptions.Value) is { } envelope
                ? FromEnvelope(envelope, message.Destination, token, message.TransportProperties)
                : null;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    public override StoredMessage Expand(IReadOnlyDictionary<ulong, string> names, string token)
    {
        try
        {
            return new StoredMessage(new Uri(NameOf(Destination, names)), ContentType, TransportProperties, WriteEnvelope(names, token));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            throw new FormatException("the compact entry cannot be put together again: " + ex.Message, ex);
        }
    }

    ReadOnlyMemory<byte> WriteEnvelope(IReadOnlyDictionary<ulong, string> names, string token)
    {
        var buffer = new ArrayBufferWriter<byte>(Message.Length + 512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            for (var i = 0; i < IdFields.Length; i++)
            {
                if (Ids[i] is { } id)
                    writer.WriteString(IdFields[i].Name, id);
            }

            for (var i = 0; i < AddressFields.Length; i++)
            {
                if (Addresses[i] is { } address)
                    writer.WriteString(AddressFields[i].Name, NameOf(address, names));
            }

            if (MessageTypes != null)
            {
                writer.WriteStartArray("messageType");
                foreach (var id in MessageTypes)
                    writer.WriteStringValue(NameOf(id, names));
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
                writer.WriteRawValue(NameOf(host, names));
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenMemory;
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

    static string NameOf(ulong id, IReadOnlyDictionary<ulong, string> names) =>
        names.TryGetValue(id, out var name)
            ? name
            : throw new FormatException($"the entry refers to the name {id:x16}, which is missing from the scheduler's names hash");

    static ulong? Name(string? name, Dictionary<ulong, string> names)
    {
        if (name == null)
            return null;
        var id = NameTable.IdOf(name);
        names[id] = name;
        return id;
    }

    /// <summary>A header's text, whether it was set as a string or read back from JSON.</summary>
    static string? TextOf(object? value) => value switch
    {
        string text => text,
        JsonElement { ValueKind: JsonValueKind.String } element => element.GetString(),
        _ => null,
    };

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

    sealed record SerializedHost(HostInfo Host, string Json);
}
