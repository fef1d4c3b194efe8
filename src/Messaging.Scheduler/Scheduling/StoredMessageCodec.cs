using System.Text;

namespace Messaging.Scheduler.Scheduling;

/// <summary>
/// Writes a <see cref="StoredMessage" /> as compact bytes and reads it back. Version 1 layout: a version byte, the
/// destination, the content type, the transport properties (count, then name, type tag and value each), and the body,
/// each string or byte run length-prefixed. Anything it cannot read raises a <see cref="FormatException" /> that says why,
/// which the bridge turns into a dead-letter reason.
/// </summary>
internal static class StoredMessageCodec
{
    const byte Version1 = 1;

    const byte TagString = 1;
    const byte TagBoolean = 2;
    const byte TagByte = 3;
    const byte TagInt32 = 4;
    const byte TagInt64 = 5;
    const byte TagTimeSpan = 6;

    public static byte[] Encode(StoredMessage message)
    {
        using var stream = new MemoryStream(message.Body.Length + 256);
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Version1);
            writer.Write(message.Destination.ToString());
            writer.Write(message.ContentType);
            writer.Write7BitEncodedInt(message.TransportProperties.Count);
            foreach (var (name, value) in message.TransportProperties)
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

            writer.Write7BitEncodedInt(message.Body.Length);
            writer.Write(message.Body.Span);
        }

        return stream.ToArray();
    }

    public static StoredMessage Decode(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes.ToArray(), writable: false), Encoding.UTF8);
            var version = reader.ReadByte();
            if (version != Version1)
                throw new FormatException($"the entry has format version {version}, and this scheduler reads version {Version1} only");

            var destinationText = reader.ReadString();
            if (!Uri.TryCreate(destinationText, UriKind.Absolute, out var destination))
                throw new FormatException($"the destination '{destinationText}' is not an absolute URI");

            var contentType = reader.ReadString();
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

            var length = reader.Read7BitEncodedInt();
            var remaining = reader.BaseStream.Length - reader.BaseStream.Position;
            if (length < 0 || length != remaining)
                throw new FormatException($"the entry's body should be {length} bytes but {remaining} bytes remain");

            var body = reader.ReadBytes(length);
            return new StoredMessage(destination, contentType, properties, body);
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
}
