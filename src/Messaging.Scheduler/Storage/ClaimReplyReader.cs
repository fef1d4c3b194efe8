using System.Globalization;
using StackExchange.Redis;

namespace Messaging.Scheduler.Storage;

/// <summary>
/// Decodes <c>claim.lua</c>'s reply: a header (now, lease expiry, next due, next lease expiry, backlog, in flight,
/// reclaimed; -1 for a time that does not exist), then five fields per claimed entry (token, due, entry, recurring
/// definition, occurrence); a nil entry is a token the script dead-lettered because it had no entry.
/// </summary>
internal static class ClaimReplyReader
{
    /// <summary>Why the claim dead-letters a token that the due index names without an entry.</summary>
    public const string NoEntry = "the due index named this token but no entry was stored for it";

    // The header's fields, in the order claim.lua returns them.
    const int Now = 0;
    const int Lease = 1;
    const int NextDue = 2;
    const int NextLeaseExpiry = 3;
    const int Backlog = 4;
    const int InFlight = 5;
    const int Reclaimed = 6;
    const int HeaderLength = 7;

    // Each entry's fields, from its first.
    const int Token = 0;
    const int Due = 1;
    const int Entry = 2;
    const int Recurring = 3;
    const int Occurrence = 4;
    const int EntryLength = 5;

    /// <summary>Reads the reply of one claim.</summary>
    /// <param name="partition">The partition the claim ran on.</param>
    /// <param name="reply">What the script returned.</param>
    /// <exception cref="InvalidOperationException">The reply does not have the shape claim.lua returns.</exception>
    public static ClaimBatch Read(PartitionKeys partition, RedisResult reply)
    {
        var fields = (RedisResult[])reply!;
        if (fields.Length < HeaderLength || (fields.Length - HeaderLength) % EntryLength != 0)
            throw new InvalidOperationException($"claim.lua answered {fields.Length} fields: not a header of {HeaderLength} and entries of {EntryLength}.");

        var lease = (long)fields[Lease];
        var messages = new List<ClaimedMessage>((fields.Length - HeaderLength) / EntryLength);
        var unreadable = new List<(string, long, string)>();
        var withoutEntry = new List<string>();
        for (var i = HeaderLength; i < fields.Length; i += EntryLength)
        {
            var token = (string)fields[i + Token]!;
            var due = (long)double.Parse((string)fields[i + Due]!, CultureInfo.InvariantCulture);
            var recurring = (string?)fields[i + Recurring];
            var occurrence = long.TryParse((string?)fields[i + Occurrence], NumberStyles.Integer, CultureInfo.InvariantCulture, out var at) ? at : due;
            if (fields[i + Entry].IsNull)
                withoutEntry.Add(token);
            else if (EntryHeader.TryRead((byte[])fields[i + Entry]!, out var header))
            {
                messages.Add(new ClaimedMessage(partition, token, due, lease, header.Attempts, header.Channel, header.Payload,
                    string.IsNullOrEmpty(recurring) ? null : new RecurringOccurrence(recurring, occurrence)));
            }
            else
                unreadable.Add((token, lease, EntryHeader.Missing));
        }

        return new ClaimBatch((long)fields[Now], messages, unreadable, withoutEntry, Time(fields[NextDue]), Time(fields[NextLeaseExpiry]),
            (long)fields[Backlog], (long)fields[InFlight], (long)fields[Reclaimed]);
    }

    static long? Time(RedisResult field)
    {
        var ms = (long)field;
        return ms < 0 ? null : ms;
    }
}
