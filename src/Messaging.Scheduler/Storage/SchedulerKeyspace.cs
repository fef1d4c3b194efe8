using System.IO.Hashing;

namespace Messaging.Scheduler.Storage;

/// <summary>
/// The partitions of one scheduler: which partition a token lives in, and the keys of each
/// (<see cref="RedisPartitionLayout" />).
/// </summary>
internal sealed class SchedulerKeyspace
{
    public SchedulerKeyspace(string prefix, int partitions, RedisPartitionLayout layout = RedisPartitionLayout.Spread)
    {
        Prefix = prefix;
        Layout = partitions == 1 ? RedisPartitionLayout.Spread : layout;
        Partitions = Enumerable.Range(0, partitions)
            .Select(p => new PartitionKeys(prefix, p, Layout == RedisPartitionLayout.Original ? OriginalTag(p) : ClusterSlots.SpreadTag(p, partitions)))
            .ToArray();
    }

    public string Prefix { get; }

    /// <summary>The layout in use: <see cref="RedisPartitionLayout.Spread" /> whenever there is one partition (both layouts
    /// name it <c>{0}</c>).</summary>
    public RedisPartitionLayout Layout { get; }

    public IReadOnlyList<PartitionKeys> Partitions { get; }

    /// <summary>Where this keyspace records its layout and partition count (see <see cref="LayoutRecord" />).</summary>
    public string LayoutKey => Prefix + "layout";

    /// <summary>The token's partition: stable for a token.</summary>
    public PartitionKeys For(Guid token)
    {
        if (Partitions.Count == 1)
            return Partitions[0];

        Span<byte> bytes = stackalloc byte[16];
        token.TryWriteBytes(bytes);
        return Partitions[Layout == RedisPartitionLayout.Original ? OriginalPartition(bytes, Partitions.Count) : SpreadPartition(bytes, Partitions.Count)];
    }

    /// <summary>A hash of all 16 bytes: MassTransit's <c>NewId</c> tokens differ from one another in few bytes (a sequence
    /// and a timestamp), and every byte must move the partition.</summary>
    static int SpreadPartition(ReadOnlySpan<byte> bytes, int partitions) => (int)(XxHash3.HashToUInt64(bytes) % (ulong)partitions);

    /// <summary>Versions before the spread layout: bytes 0-3 and 12-15, nearly constant for <c>NewId</c> tokens. Kept so
    /// that a keyspace written that way can still be read and cancelled in.</summary>
    static int OriginalPartition(ReadOnlySpan<byte> bytes, int partitions)
    {
        var hash = BitConverter.ToUInt32(bytes[..4]) ^ BitConverter.ToUInt32(bytes[12..]);
        return (int)(hash % (uint)partitions);
    }

    static string OriginalTag(int partition) => partition.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string Format(Guid token) => token.ToString("N");
}
