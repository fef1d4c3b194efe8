using System.Globalization;

namespace Messaging.Scheduler.Storage;

/// <summary>
/// Redis Cluster's key slots (CRC16/XMODEM of the hash tag, modulo 16384), and the hash tags of the spread layout: one per
/// partition, in the middle of that partition's share of the slots.
/// </summary>
internal static class ClusterSlots
{
    public const int Count = 16384;

    /// <summary>The slot Redis Cluster gives a hash tag (the text between the braces).</summary>
    public static int Of(string tag)
    {
        ushort crc = 0;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(tag))
        {
            crc ^= (ushort)(b << 8);
            for (var bit = 0; bit < 8; bit++)
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
        }

        return crc % Count;
    }

    /// <summary>
    /// The hash tag of partition <paramref name="partition" /> of <paramref name="partitions" /> in the spread layout:
    /// <c>p.k</c> with the smallest <c>k</c> whose slot lies in the middle half of the partition's equal share of the slot
    /// range. A cluster whose slots are split evenly over <c>M</c> primaries then holds <c>N / M</c> partitions on each when
    /// <c>N</c> is a multiple of <c>M</c>, whatever the order of its primaries. Fixed for a given <c>N</c>: it never depends
    /// on a cluster's topology, so every process names the same keys.
    /// </summary>
    public static string SpreadTag(int partition, int partitions)
    {
        if (partitions == 1)
            return "0";

        var low = (long)partition * Count / partitions;
        var high = (long)(partition + 1) * Count / partitions;
        var quarter = (high - low) / 4;
        for (var k = 0; ; k++)
        {
            var tag = partition.ToString(CultureInfo.InvariantCulture) + "." + k.ToString(CultureInfo.InvariantCulture);
            var slot = Of(tag);
            if (slot >= low + quarter && slot < high - quarter)
                return tag;
        }
    }
}
