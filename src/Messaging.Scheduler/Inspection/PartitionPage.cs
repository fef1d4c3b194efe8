using System.Globalization;
using StackExchange.Redis;

namespace Messaging.Scheduler.Inspection;

/// <summary>What <c>page.lua</c> returned for one partition: the matching entries from the cursor on, and how far it looked.</summary>
/// <param name="Items">The matching entries, in the index's order.</param>
/// <param name="Exhausted">True when nothing is left in the range after the last entry it looked at.</param>
/// <param name="Examined">How many index entries it looked at.</param>
/// <param name="LastScore">The score of the last entry it looked at.</param>
/// <param name="LastToken">The token of the last entry it looked at; null when it looked at none.</param>
internal sealed record PartitionPage(IReadOnlyList<PageItem> Items, bool Exhausted, long Examined, double LastScore, string? LastToken)
{
    // The reply: now, exhausted, examined, last score, last token; then six fields per entry.
    const int HeaderLength = 5;
    const int ItemLength = 6;

    public static PartitionPage Read(PartitionKeys partition, RedisResult reply)
    {
        var fields = (RedisResult[])reply!;
        if (fields.Length < HeaderLength || (fields.Length - HeaderLength) % ItemLength != 0)
            throw new InvalidOperationException($"page.lua answered {fields.Length} fields: not a header of {HeaderLength} and entries of {ItemLength}.");

        var now = (long)fields[0];
        var items = new List<PageItem>((fields.Length - HeaderLength) / ItemLength);
        for (var i = HeaderLength; i < fields.Length; i += ItemLength)
        {
            var occurrence = (string?)fields[i + 4];
            var reason = (string?)fields[i + 5];
            items.Add(new PageItem(partition, (string)fields[i]!, Score(fields[i + 1]), now, fields[i + 2].IsNull ? null : (byte[])fields[i + 2]!,
                (long)fields[i + 3] == 1, string.IsNullOrEmpty(occurrence) ? null : (long)Score(fields[i + 4]), string.IsNullOrEmpty(reason) ? null : reason));
        }

        var lastToken = (string?)fields[4];
        return new PartitionPage(items, (long)fields[1] == 1, (long)fields[2], string.IsNullOrEmpty(lastToken) ? 0 : Score(fields[3]),
            string.IsNullOrEmpty(lastToken) ? null : lastToken);
    }

    static double Score(RedisResult value) => double.Parse((string)value!, NumberStyles.Float, CultureInfo.InvariantCulture);
}
