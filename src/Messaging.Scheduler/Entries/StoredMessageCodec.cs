using System.Text;

namespace Messaging.Scheduler.Entries;

/// <summary>
/// Writes a <see cref="StoredMessage" /> as compact bytes and reads it back. Two layouts, told apart by the first byte:
/// <list type="bullet">
/// <item>Format 2, for MassTransit JSON envelopes (nearly every message): a <see cref="CompactEnvelope" />: flags, the IDs
/// as 16 bytes, the destination, addresses, message types and host as 8-byte <see cref="NameTable" /> ids, the times as
/// ticks, the headers as JSON without the token header, the transport properties, and the message's JSON.</item>
/// <item>Format 1, for any other envelope: the destination, the content type, the transport properties and the envelope as
/// it was serialized.</item>
/// </list>
/// Strings and byte runs are length-prefixed. Anything it cannot read raises a <see cref="FormatException" /> that says
/// why, which the bridge turns into a dead-letter reason.
/// </summary>
internal static class StoredMessageCodec
{
    const byte Version1 = 1;
    const byte Version2 = 2;

    const byte TagString = 1;
    const byte TagBoolean = 2;
    const byte TagByte = 3;
    const byte TagInt32 = 4;
    const byte TagInt64 = 5;
    const byte TagTimeSpan = 6;

    [Flags]
    enum Fields
    {
        None = 0,
        MessageId = 1 << 0,
        RequestId = 1 << 1,
        CorrelationId = 1 << 2,
        ConversationId = 1 << 3,
        InitiatorId = 1 << 4,
        SourceAddress = 1 << 5,
        DestinationAddress = 1 << 6,
        DestinationIsEntryDestination = 1 << 7,
        ResponseAddress = 1 << 8,
        FaultAddress = 1 << 9,
        Host = 1 << 10,
        MessageTypes = 1 << 11,
        ExpirationTime = 1 << 12,
        SentTime = 1 << 13,
        Headers = 1 << 14,
        TokenHeader = 1 << 15,
        All = (1 << 16) - 1,
    }

    /// <summary>Encodes a message for the entry with this token: compactly when it is a MassTransit JSON envelope.</summary>
    public static EncodedEntry Encode(StoredMessage message, Guid token)
    {
        var names = new Dictionary<ulong, string>();
        return CompactEnvelope.TryCreate(message, token, names) is { } compact
            ? new EncodedEntry(EncodeCompact(compact), names)
            : new EncodedEntry(EncodeWhole(message), new Dictionary<ulong, string>());
    }

    /// <summary>Format 1: the envelope as it was serialized.</summary>
    public static byte[] EncodeWhole(StoredMessage message)
    {
        using var stream = new MemoryStream(message.Body.Length + 256);
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Version1);
            writer.Write(message.Destination.ToString());
            writer.Write(message.ContentType);
            WriteProperties(writer, message.TransportProperties);
            writer.Write7BitEncodedInt(message.Body.Length);
            writer.Write(message.Body.Span);
        }

        return stream.ToArray();
    }

    /// <summary>Format 2: a compact envelope.</summary>
    public static byte[] EncodeCompact(CompactEnvelope envelope)
    {
        var fields = Fields.None;
        void Set(Fields field, bool present)
        {
            if (present)
                fields |= field;
        }

        Set(Fields.MessageId, envelope.MessageId.HasValue);
        Set(Fields.RequestId, envelope.RequestId.HasValue);
        Set(Fields.CorrelationId, envelope.CorrelationId.HasValue);
        Set(Fields.ConversationId, envelope.ConversationId.HasValue);
        Set(Fields.InitiatorId, envelope.InitiatorId.HasValue);
        Set(Fields.SourceAddress, envelope.SourceAddress.HasValue);
        Set(Fields.DestinationIsEntryDestination, envelope.DestinationAddress == envelope.Destination);
        Set(Fields.DestinationAddress, envelope.DestinationAddress.HasValue && envelope.DestinationAddress != envelope.Destination);
        Set(Fields.ResponseAddress, envelope.ResponseAddress.HasValue);
        Set(Fields.FaultAddress, envelope.FaultAddress.HasValue);
        Set(Fields.Host, envelope.Host.HasValue);
        Set(Fields.MessageTypes, envelope.MessageTypes != null);
        Set(Fields.ExpirationTime, envelope.ExpirationTicks.HasValue);
        Set(Fields.SentTime, envelope.SentTicks.HasValue);
        Set(Fields.Headers, envelope.Headers != null);
        Set(Fields.TokenHeader, envelope.TokenHeader);

        using var stream = new MemoryStream(envelope.Message.Length + 128);
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Version2);
            writer.Write7BitEncodedInt((int)fields);
            foreach (var id in new[] { envelope.MessageId, envelope.RequestId, envelope.CorrelationId, envelope.ConversationId, envelope.InitiatorId })
            {
                if (id is { } guid)
                    writer.Write(guid.ToByteArray());
            }

            writer.Write(envelope.Destination);
            foreach (var (field, id) in new[]
                     {
                         (Fields.SourceAddress, envelope.SourceAddress), (Fields.DestinationAddress, envelope.DestinationAddress),
                         (Fields.ResponseAddress, envelope.ResponseAddress), (Fields.FaultAddress, envelope.FaultAddress), (Fields.Host, envelope.Host),
                     })
            {
                if (fields.HasFlag(field))
                    writer.Write(id!.Value);
            }

            if (envelope.MessageTypes is { } types)
            {
                writer.Write7BitEncodedInt(types.Count);
                foreach (var id in types)
                    writer.Write(id);
            }

            if (envelope.ExpirationTicks is { } expiration)
                writer.Write(expiration);
            if (envelope.SentTicks is { } sent)
                writer.Write(sent);
            if (envelope.Headers is { } headers)
            {
                writer.Write7BitEncodedInt(headers.Length);
                writer.Write(headers);
            }

            WriteProperties(writer, envelope.TransportProperties);
            writer.Write7BitEncodedInt(envelope.Message.Length);
            writer.Write(envelope.Message.Span);
        }

        return stream.ToArray();
    }

    /// <summary>Reads an entry's payload: the whole message, or a compact envelope that needs its names.</summary>
    /// <exception cref="FormatException">The payload is not one this scheduler wrote, or is damaged; the message says how.</exception>
    public static DecodedEntry Decode(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes.ToArray(), writable: false), Encoding.UTF8);
            var version = reader.ReadByte();
            return version switch
            {
                Version1 => new DecodedEntry(ReadWhole(reader), null),
                Version2 => new DecodedEntry(null, ReadCompact(reader)),
                _ => throw new FormatException($"the entry has format version {version}, and this scheduler reads versions {Version1} and {Version2} only"),
            };
        }
        catch (EndOfStreamException)
        {
            throw new FormatException("the entry ends before its last field: it was truncated or is not a scheduler entry");
        }
        catch (IOException ex)
        {
            throw new FormatException("the entry cannot be read: " + ex.Message, ex);
        }
    }

    static StoredMessage ReadWhole(BinaryReader reader)
    {
        var destinationText = reader.ReadString();
        if (!Uri.TryCreate(destinationText, UriKind.Absolute, out var destination))
            throw new FormatException($"the destination '{destinationText}' is not an absolute URI");

        var contentType = reader.ReadString();
        var properties = ReadProperties(reader);
        var body = ReadRest(reader, "body");
        return new StoredMessage(destination, contentType, properties, body);
    }

    static CompactEnvelope ReadCompact(BinaryReader reader)
    {
        var fields = (Fields)reader.Read7BitEncodedInt();
        if ((fields & ~Fields.All) != 0)
            throw new FormatException($"the entry has fields 0x{(int)fields:x} that this scheduler does not know");

        Guid? ReadGuid(Fields field) => fields.HasFlag(field) ? new Guid(reader.ReadBytes(16)) : null;
        ulong? ReadId(Fields field) => fields.HasFlag(field) ? reader.ReadUInt64() : null;

        var messageId = ReadGuid(Fields.MessageId);
        var requestId = ReadGuid(Fields.RequestId);
        var correlationId = ReadGuid(Fields.CorrelationId);
        var conversationId = ReadGuid(Fields.ConversationId);
        var initiatorId = ReadGuid(Fields.InitiatorId);
        var destination = reader.ReadUInt64();
        var source = ReadId(Fields.SourceAddress);
        var destinationAddress = fields.HasFlag(Fields.DestinationIsEntryDestination) ? destination : ReadId(Fields.DestinationAddress);
        var response = ReadId(Fields.ResponseAddress);
        var fault = ReadId(Fields.FaultAddress);
        var host = ReadId(Fields.Host);

        ulong[]? types = null;
        if (fields.HasFlag(Fields.MessageTypes))
        {
            var count = reader.Read7BitEncodedInt();
            if (count is < 0 or > 1000)
                throw new FormatException($"the entry claims {count} message types");
            types = new ulong[count];
            for (var i = 0; i < count; i++)
                types[i] = reader.ReadUInt64();
        }

        long? expiration = fields.HasFlag(Fields.ExpirationTime) ? ReadTicks(reader, "expiration time") : null;
        long? sent = fields.HasFlag(Fields.SentTime) ? ReadTicks(reader, "sent time") : null;

        byte[]? headers = null;
        if (fields.HasFlag(Fields.Headers))
        {
            var length = reader.Read7BitEncodedInt();
            if (length < 2 || length > reader.BaseStream.Length - reader.BaseStream.Position)
                throw new FormatException($"the entry's headers claim {length} bytes");
            headers = reader.ReadBytes(length);
        }

        var properties = ReadProperties(reader);
        var message = ReadRest(reader, "message");

        return new CompactEnvelope
        {
            Destination = destination,
            MessageId = messageId,
            RequestId = requestId,
            CorrelationId = correlationId,
            ConversationId = conversationId,
            InitiatorId = initiatorId,
            SourceAddress = source,
            DestinationAddress = destinationAddress,
            ResponseAddress = response,
            FaultAddress = fault,
            Host = host,
            MessageTypes = types,
            ExpirationTicks = expiration,
            SentTicks = sent,
            Headers = headers,
            TokenHeader = fields.HasFlag(Fields.TokenHeader),
            TransportProperties = properties,
            Message = message,
        };
    }

    static long ReadTicks(BinaryReader reader, string what)
    {
        var ticks = reader.ReadInt64();
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
            throw new FormatException($"the entry's {what} ({ticks} ticks) is out of range");
        return ticks;
    }

    static byte[] ReadRest(BinaryReader reader, string what)
    {
        var length = reader.Read7BitEncodedInt();
        var remaining = reader.BaseStream.Length - reader.BaseStream.Position;
        if (length < 0 || length != remaining)
            throw new FormatException($"the entry's {what} should be {length} bytes but {remaining} bytes remain");
        return reader.ReadBytes(length);
    }

    static void WriteProperties(BinaryWriter writer, IReadOnlyDictionary<string, object> properties)
    {
        writer.Write7BitEncodedInt(properties.Count);
        foreach (var (name, value) in properties)
        {
            writer.Write(name);
            switch (value)
            {
                case bool b:
                    writer.Write(TagBoolean);
                    writer.Write(b);
                    break;
                case byte b:
                    writer.Write(TagByte);
                    writer.Write(b);
                    break;
                case int i:
                    writer.Write(TagInt32);
                    writer.Write(i);
                    break;
                case long l:
                    writer.Write(TagInt64);
                    writer.Write(l);
                    break;
                case TimeSpan t:
                    writer.Write(TagTimeSpan);
                    writer.Write(t.Ticks);
                    break;
                default:
                    writer.Write(TagString);
                    writer.Write(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);
                    break;
            }
        }
    }

    static Dictionary<string, object> ReadProperties(BinaryReader reader)
    {
        var count = reader.Read7BitEncodedInt();
        if (count is < 0 or > 1000)
            throw new FormatException($"the entry claims {count} transport properties");

        var properties = new Dictionary<string, object>(count);
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            var tag = reader.ReadByte();
            properties[name] = tag switch
            {
                TagString => reader.ReadString(),
                TagBoolean => reader.ReadBoolean(),
                TagByte => reader.ReadByte(),
                TagInt32 => reader.ReadInt32(),
                TagInt64 => reader.ReadInt64(),
                TagTimeSpan => TimeSpan.FromTicks(reader.ReadInt64()),
                _ => throw new FormatException($"the transport property '{name}' has the unknown type tag {tag}"),
            };
        }

        return properties;
    }
}
