using System.Buffers.Binary;

namespace Messaging.Scheduler.Storage;

/// <summary>
/// What the counts of an entry are kept by: the <see cref="Entries.NameTable" /> ids of its message type (the first of its
/// envelope's types; 0 when it has none) and of its destination. Stored in the entry's header as <c>#</c> and the two ids,
/// 8 bytes each, little-endian, as <see cref="Entries.NameTable.Field" /> writes them (<c>Scripts/include/entry.lua</c>
/// reads it). The names behind the ids are in the partition's names hash, written with the entry.
/// </summary>
/// <param name="MessageType">The message type's name id.</param>
/// <param name="Destination">The destination's name id.</param>
internal readonly record struct EntryLabel(ulong MessageType, ulong Destination)
{
    /// <summary>The byte a label starts with; a payload never does (it starts with its format version).</summary>
    public const byte Marker = (byte)'#';

    /// <summary>The marker and the two ids.</summary>
    public const int Length = 17;

    /// <summary>The label as the header holds it.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[Length];
        bytes[0] = Marker;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(1), MessageType);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(9), Destination);
        return bytes;
    }

    /// <summary>Reads a label that starts at <paramref name="bytes" />' first byte (the marker).</summary>
    public static EntryLabel Read(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt64LittleEndian(bytes[1..]), BinaryPrimitives.ReadUInt64LittleEndian(bytes[9..]));
}
