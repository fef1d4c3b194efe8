using CsCheck;
using MassTransit;

namespace Messaging.Scheduler.Tests;

/// <summary>
/// The entry codec, over random messages: an entry reads back exactly as it was written, and a damaged one (cut short, or
/// with a byte changed) is refused with the codec's own <see cref="FormatException" />, whatever the damage, so that the
/// bridge dead-letters it at the first attempt instead of retrying it for ever or delivering something else.
/// </summary>
public sealed class EntryCodecPropertyTests
{
    public sealed record Reminder(string Key, string Text, int Count, decimal Amount, bool Urgent);

    static readonly Uri Destination = new("rabbitmq://localhost/vhost/Messaging.Scheduler.Tests:Reminder");
    static readonly Uri Source = new("rabbitmq://localhost/vhost/producer_bus_abc?temporary=true");

    /// <summary>A message as a producer schedules it: its fields, and what the send pipe sets.</summary>
    public sealed record Scheduled(Reminder Message, Guid? CorrelationId, Guid? ConversationId, (string Name, string Value)[] Headers, int? TtlMinutes,
        bool ResponseAddress);

    static readonly Gen<Reminder> Reminders = Gen.Select(Gen.String[0, 20], Gen.String[0, 200], Gen.Int, Gen.Decimal, Gen.Bool,
        (key, text, count, amount, urgent) => new Reminder(key, text, count, amount, urgent));

    static readonly Gen<Scheduled> Messages = Gen.Select(Reminders, Gen.Guid.Nullable(), Gen.Guid.Nullable(),
        Gen.Select(Gen.Char['a', 'z'].Array[1, 8], Gen.String[0, 40], (name, value) => ("X-" + new string(name), value)).Array[0, 4],
        Gen.Int[1, 10_000].Nullable(), Gen.Bool,
        (message, correlation, conversation, headers, ttl, response) => new Scheduled(message, correlation, conversation, headers, ttl, response));

    /// <summary>A message whose envelope is kept whole (any content type, any transport properties).</summary>
    static readonly Gen<StoredMessage> WholeMessages = Gen.Select(Gen.Char['a', 'z'].Array[1, 12], Gen.Byte.Array[0, 300], Gen.Int, Gen.Bool, Gen.String[0, 20],
        (queue, body, priority, durable, text) => new StoredMessage(new Uri("queue:" + new string(queue)), "application/octet-stream",
            new Dictionary<string, object> { ["Priority"] = priority, ["Durable"] = durable, ["Note"] = text }, body));

    static readonly Gen<byte[]> Entries = Gen.OneOf<byte[]>(
        Messages.Select(Encode),
        WholeMessages.Select(message => StoredMessageCodec.Encode(new WholeEnvelope(message)).Payload));

    static byte[] Encode(Scheduled scheduled)
    {
        var pipe = Pipe.Execute<SendContext<Reminder>>(context =>
        {
            context.CorrelationId = scheduled.CorrelationId;
            context.ConversationId = scheduled.ConversationId;
            if (scheduled.TtlMinutes is { } ttl)
                context.TimeToLive = TimeSpan.FromMinutes(ttl);
            if (scheduled.ResponseAddress)
                context.ResponseAddress = new Uri("rabbitmq://localhost/vhost/responses");
            foreach (var (name, value) in scheduled.Headers)
                context.Headers.Set(name, value);
        });

        var (entry, _) = new ScheduledMessageSerializer(int.MaxValue).Encode(Destination, scheduled.Message, pipe, Guid.NewGuid(), Source, null,
            CancellationToken.None).GetAwaiter().GetResult();
        return entry.Payload;
    }

    /// <summary>Decodes, then encodes again: exactly the same bytes when the entry was read back as it was written.</summary>
    static byte[] ReadBack(ReadOnlyMemory<byte> bytes) => StoredMessageCodec.Encode(StoredMessageCodec.Decode(bytes)).Payload;

    static void AssertRefused(ReadOnlyMemory<byte> bytes, string what)
    {
        var error = Record.Exception(() => StoredMessageCodec.Decode(bytes));
        Assert.True(error?.GetType() == typeof(FormatException), $"{what}: expected the codec's FormatException, got {error?.GetType().Name ?? "no exception"}");
    }

    [Fact]
    public void An_entry_reads_back_exactly_as_it_was_written()
    {
        Entries.Sample(bytes => Assert.Equal(bytes, ReadBack(bytes)), iter: 300, threads: 1);
    }

    [Fact]
    public void Every_truncation_of_an_entry_is_refused_with_the_codec_exception()
    {
        Entries.Sample(bytes =>
        {
            for (var length = 0; length < bytes.Length; length++)
                AssertRefused(bytes.AsMemory(0, length), $"the first {length} of {bytes.Length} bytes");
        }, iter: 150, threads: 1);
    }

    [Fact]
    public void Every_changed_byte_is_refused_or_reads_back_the_original()
    {
        Gen.Select(Entries, Gen.Byte[1, 255]).Sample((bytes, change) =>
        {
            for (var position = 0; position < bytes.Length; position++)
            {
                var damaged = bytes.ToArray();
                damaged[position] ^= change;
                var error = Record.Exception(() => Assert.Equal(bytes, ReadBack(damaged)));
                Assert.True(error == null || error.GetType() == typeof(FormatException),
                    $"byte {position} of {bytes.Length} changed by 0x{change:x2}: {error?.GetType().Name}: {error?.Message}");
            }
        }, iter: 150, threads: 1);
    }

    [Fact]
    public void A_damaged_entry_written_before_the_checksum_is_refused_with_the_codec_exception()
    {
        // Format 2 without its checksum, as entries already waiting in Redis were written: no checksum catches a changed
        // byte there, but a cut is still refused with the codec's exception, never another one.
        Messages.Select(Encode).Select(WithoutChecksum).Sample(legacy =>
        {
            Assert.Equal(legacy, ReadBackLegacy(legacy));
            for (var length = 0; length < legacy.Length; length++)
                AssertRefused(legacy.AsMemory(0, length), $"the first {length} of {legacy.Length} bytes of a format 2 entry without checksum");
        }, iter: 150, threads: 1);
    }

    /// <summary>A format 2 entry as written before the checksum: the checksum flag cleared, the checksum cut off.</summary>
    static byte[] WithoutChecksum(byte[] entry)
    {
        Assert.Equal(2, entry[0]);
        using var reader = new BinaryReader(new MemoryStream(entry, 1, entry.Length - 1));
        var flags = reader.Read7BitEncodedInt();
        var start = 1 + (int)reader.BaseStream.Position;
        var legacy = new MemoryStream();
        using (var writer = new BinaryWriter(legacy, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write((byte)2);
            writer.Write7BitEncodedInt(flags & ~(int)EntryFields.Checksum);
            writer.Write(entry.AsSpan(start, entry.Length - start - 4));
        }

        return legacy.ToArray();
    }

    /// <summary>Reads a legacy entry and writes it as it was written then, to compare.</summary>
    static byte[] ReadBackLegacy(byte[] legacy) => WithoutChecksum(ReadBack(legacy));
}
