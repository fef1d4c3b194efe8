namespace Messaging.Scheduler.Storage;

/// <summary>
/// The partitions of one scheduler: which partition a token lives in, and the keys of each.
/// </summary>
internal sealed class SchedulerKeyspace
{
    public SchedulerKeyspace(string prefix, int partitions)
    {
        Prefix = prefix;
        Partitions = Enumerable.Range(0, partitions).Select(p => new PartitionKeys(prefix, p)).ToArray();
    }

    public string Prefix { get; }

    public IReadOnlyList<PartitionKeys> Partitions { get; }

    /// <summary>The token's partition: stable for a token, spread evenly over random GUIDs.</summary>
    public PartitionKeys For(Guid token)
    {
        if (Partitions.Count == 1)
            return Partitions[0];

        Span<byte> bytes = stackalloc byte[16];
        token.TryWriteBytes(bytes);
        var hash = BitConverter.ToUInt32(bytes[..4]) ^ BitConverter.ToUInt32(bytes[12..]);
        return Partitions[(int)(hash % (uint)Partitions.Count)];
    }

    public static string Format(Guid token) => token.ToString("N");
}
