using System.Globalization;
using System.Text;

namespace Messaging.Scheduler.Storage;

/// <summary>
/// The header of an entry in the entries hash: <c>attempts|channel|</c>, ASCII digits, <c>|</c>, the channel, <c>|</c>;
/// then, in entries written since the counts exist, the <see cref="EntryLabel" /> (<c>#</c> and two 8-byte name ids);
/// then the binary payload. The scripts read and rewrite it with <c>Scripts/include/entry.lua</c>.
/// </summary>
/// <param name="Attempts">Failed deliveries recorded.</param>
/// <param name="Channel">The channel, for example <c>SELLER</c>.</param>
/// <param name="Label">The entry's message type and destination name ids; null for an entry written without one.</param>
/// <param name="Payload">What follows the header: the encoded <see cref="StoredMessage" />.</param>
internal readonly record struct EntryHeader(int Attempts, string Channel, EntryLabel? Label, ReadOnlyMemory<byte> Payload)
{
    /// <summary>Why an entry without the header cannot be delivered (kept with the dead-lettered entry).</summary>
    public const string Missing =
        "the entry does not start with the scheduler's 'attempts|channel|' header: it was not written by this scheduler";

    /// <summary>Reads the header of a stored entry.</summary>
    /// <param name="entry">The entry, as stored.</param>
    /// <param name="header">The header and the payload after it.</param>
    /// <returns>False when the entry does not start with the header.</returns>
    public static bool TryRead(byte[] entry, out EntryHeader header)
    {
        header = default;
        var first = Array.IndexOf(entry, (byte)'|');
        var second = first < 0 ? -1 : Array.IndexOf(entry, (byte)'|', first + 1);
        if (second < 0 || !int.TryParse(entry.AsSpan(0, first), NumberStyles.None, CultureInfo.InvariantCulture, out var attempts))
            return false;

        var channel = Encoding.UTF8.GetString(entry, first + 1, second - first - 1);
        var payload = second + 1;
        EntryLabel? label = null;
        if (entry.Length >= payload + EntryLabel.Length && entry[payload] == EntryLabel.Marker)
        {
            label = EntryLabel.Read(entry.AsSpan(payload));
            payload += EntryLabel.Length;
        }

        header = new EntryHeader(attempts, channel, label, entry.AsMemory(payload));
        return true;
    }
}
