using System.IO.Hashing;
using System.Text;

namespace Messaging.Scheduler.Entries;

/// <summary>
/// Step 2 of a message's life: the one encoder and the one decoder of a <see cref="StoredEntry" />. Two layouts, told apart by the first byte:
/// <list type="bullet">
/// <item>Format 2, for MassTransit JSON envelopes (nearly every message): a <see cref="CompactEnvelope" />: flags, the IDs
/// as 16 bytes, the destination, addresses, message types and host as 8-byte <see cref="NameTable" /> ids, the times as
/// ticks, the headers as JSON without the token header, the transport properties, and the message's JSON.</item>
/// <item>Format 1, for any other envelope (<see cref="WholeEnvelope" />): the destination, the content type, the transport
/// properties and the envelope as it was serialized.</item>
/// </list>
/// Strings and byte runs are length-prefixed. An entry ends with a CRC-32 of everything before it (format 2 with
/// <see cref="EntryFields.Checksum" />, format 3: format 1 with the checksum), so that a changed or truncated entry is
/// refused rather than delivered different; entries written before the checksum (formats 1 and 2 without it) are still
/// read. Anything it cannot read, whatever is wrong with it, raises a <see cref="FormatException" /> that says why, which
/// the bridge turns into a dead-letter reason.
/// </summary>
internal static class StoredMessageCodec
{
    const byte Version1 = 1;
    const byte Version2 = 2;
    const byte Version3 = 3;
    const int ChecksumLength = 4;

    const byte TagString = 1;
    const byte TagBoolean = 2;
    const byte TagByte = 3;
    const byte TagInt32 = 4;
    const byte TagInt64 = 5;
    const byte TagTimeSpan = 6;

    /// <summary>Encodes an entry, with the names it refers to.</summary>
    public static EncodedEntry Encode(StoredEntry entry)
    {
        using var stream = new MemoryStream(256);
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            switch (entry)
            {
                case CompactEnvelope compact:
                    writer.Write(Version2);
                    WriteCompact(writer, compact);
                    break;
                case WholeEnvelope whole:
                    writer.Write(Version3);
                    WriteWhole(writer, whole.Message);
                    break;
                default:
                    throw new ArgumentException($"{entry.GetType().Name} is not an entry this codec writes.", nameof(entry));
            }

            writer.Write(Crc32.HashToUInt32(stream.GetBuffer().AsSpan(0, (int)stream.Length)));
        }

        var encoded = new EncodedEntry(stream.ToArray(), entry.Names);
        return entry switch
        {
            CompactEnvelope compact => encoded with { Label = new EntryLabel(compact.MessageTypes is [var first, ..] ? first : 0, compact.Destination) },
            WholeEnvelope whole => encoded.WithLabel(null, whole.Message.Destination.ToString()),
            _ => encoded,
        };
    }

    /// <summary>Encodes a serialized envelope for the entry with this token (<see cref="StoredEntry.From" />).</summary>
    public static EncodedEntry Encode(StoredMessage message, Guid token) => Encode(StoredEntry.From(message, token));

    /// <summary>Reads an entry's payload: a whole envelope, or a compact one that needs its names.</summary>
    /// <exception cref="FormatException">The payload is not one this scheduler wrote, or is damaged; the message says how.</exception>
    public static StoredEntry Decode(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            var data = bytes.ToArray();
            using var reader = new BinaryReader(new MemoryStream(data, writable: false), Encoding.UTF8);
            var version = reader.ReadByte();
            switch (version)
            {
                case Version1:
                    return new WholeEnvelope(ReadWhole(reader));
                case Version3:
                    return Checked(data, 1, body => new WholeEnvelope(ReadWhole(body)));
                case Version2:
                    var fields = (EntryFields)reader.Read7BitEncodedInt();
                    return fields.HasFlag(EntryFields.Checksum)
                        ? Checked(data, (int)reader.BaseStream.Position, body => ReadCompact(body, fields))
                        : ReadCompact(reader, fields);
                default:
                    throw new FormatException($"the entry has format version {version}, and this scheduler reads versions {Version1} to {Version3} only");
            }
        }
        catch (EndOfStreamException)
        {
            throw new FormatException("the entry ends before its last field: it was truncated or is not a scheduler entry");
        }
        catch (Exception ex) when (ex is not FormatException)
        {
            // Whatever a damaged entry makes the reader throw (a length out of range, a GUID of the wrong size, bytes that
            // are not UTF-8), it is the codec's refusal to read it.
            throw new FormatException($"the entry cannot be read ({ex.GetType().Name}): {ex.Message}", ex);
        }
    }

    /// <summary>Reads the entry's fields from <paramref name="start" /> to its checksum, then checks the checksum: a cut entry
    /// is reported by the field it cut, a changed one by its checksum.</summary>
    static StoredEntry Checked(byte[] data, int start, Func<BinaryReader, StoredEntry> read)
    {
        var length = data.Length - ChecksumLength;
        if (length < start)
            throw new FormatException("the entry ends before its checksum: it was truncated");

        StoredEntry entry;
        using (var body = new BinaryReader(new MemoryStream(data, start, length - start, writable: false), Encoding.UTF8))
            entry = read(body);
        if (Crc32.HashToUInt32(data.AsSpan(0, length)) != BitConverter.ToUInt32(data, length))
            throw new FormatException("the entry's checksum does not match its bytes: it was changed or truncated after it was written");
        return entry;
    }

    static void WriteWhole(BinaryWriter writer, StoredMessage message)
    {
        writer.Write(message.Destination.ToString());
        writer.Write(message.ContentType);
        WriteProperties(writer, message.TransportProperties);
        writer.Write7BitEncodedInt(message.Body.Length);
        writer.Write(message.Body.Span);
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

    // Format 2: the field flags; the IDs present, 16 bytes each; the destination's name id; the addresses and host present,
    // name ids; the message types (count, name ids); the times (ticks); the headers (length, JSON); the transport
    // properties; the message (length, JSON).
    static void WriteCompact(BinaryWriter writer, CompactEnvelope envelope)
    {
        var fields = EntryFields.None;
        for (var i = 0; i < CompactEnvelope.IdFields.Length; i++)
        {
            if (envelope.Ids[i].HasValue)
                fields |= CompactEnvelope.IdFields[i].Flag;
        }

        for (var i = 0; i < CompactEnvelope.AddressFields.Length; i++)
        {
            if (envelope.Addresses[i] is not { } address)
                continue;
            fields |= i == CompactEnvelope.DestinationAddressIndex && address == envelope.Destination
                ? EntryFields.DestinationIsEntryDestination
                : CompactEnvelope.AddressFields[i].Flag;
        }

        if (envelope.Host.HasValue)
            fields |= EntryFields.Host;
        if (envelope.MessageTypes != null)
            fields |= EntryFields.MessageTypes;
        if (envelope.ExpirationTicks.HasValue)
            fields |= EntryFields.ExpirationTime;
        if (envelope.SentTicks.HasValue)
            fields |= EntryFields.SentTime;
        if (envelope.Headers != null)
            fields |= EntryFields.Headers;
        if (envelope.TokenHeader)
            fields |= EntryFields.TokenHeader;
        fields |= EntryFields.Checksum;

        writer.Write7BitEncodedInt((int)fields);
        foreach (var id in envelope.Ids)
        {
            if (id is { } guid)
                writer.Write(guid.ToByteArray());
        }

        writer.Write(envelope.Destination);
        for (var i = 0; i < CompactEnvelope.AddressFields.Length; i++)
        {
            if (fields.HasFlag(CompactEnvelope.AddressFields[i].Flag))
                writer.Write(envelope.Addresses[i]!.Value);
        }

        if (envelope.Host is { } host)
            writer.Write(host);
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

    static CompactEnvelope ReadCompact(BinaryReader reader, EntryFields fields)
    {
        if ((fields & ~EntryFields.All) != 0)
            throw new FormatException($"the entry has fields 0x{(int)fields:x} that this scheduler does not know");

        var ids = new Guid?[CompactEnvelope.IdFields.Length];
        for (var i = 0; i < ids.Length; i++)
            ids[i] = fields.HasFlag(CompactEnvelope.IdFields[i].Flag) ? new Guid(reader.ReadBytes(16)) : null;

        var destination = reader.ReadUInt64();
        var addresses = new ulong?[CompactEnvelope.AddressFields.Length];
        for (var i = 0; i < addresses.Length; i++)
        {
            if (fields.HasFlag(CompactEnvelope.AddressFields[i].Flag))
                addresses[i] = reader.ReadUInt64();
            else if (i == CompactEnvelope.DestinationAddressIndex && fields.HasFlag(EntryFields.DestinationIsEntryDestination))
                addresses[i] = destination;
        }

        ulong? host = fields.HasFlag(EntryFields.Host) ? reader.ReadUInt64() : null;
        ulong[]? types = null;
        if (fields.HasFlag(EntryFields.MessageTypes))
        {
            var count = reader.Read7BitEncodedInt();
            if (count is < 0 or > 1000)
                throw new FormatException($"the entry claims {count} message types");
            types = new ulong[count];
            for (var i = 0; i < count; i++)
                types[i] = reader.ReadUInt64();
        }

        long? expiration = fields.HasFlag(EntryFields.ExpirationTime) ? ReadTicks(reader, "expiration time") : null;
        long? sent = fields.HasFlag(EntryFields.SentTime) ? ReadTicks(reader, "sent time") : null;

        byte[]? headers = null;
        if (fields.HasFlag(EntryFields.Headers))
        {
            var length = reader.Read7BitEncodedInt();
            if (length < 2 || length > reader.BaseStream.Length - reader.BaseStream.Position)
                throw new FormatException($"the entry's headers claim {length} bytes");
            headers = reader.ReadBytes(length);
        }

        return new CompactEnvelope
        {
            Destination = destination,
            Ids = ids,
            Addresses = addresses,
            Host = host,
            MessageTypes = types,
            ExpirationTicks = expiration,
            SentTicks = sent,
            Headers = headers,
            TokenHeader = fields.HasFlag(EntryFields.TokenHeader),
            TransportProperties = ReadProperties(reader),
            Message = ReadRest(reader, "message"),
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
