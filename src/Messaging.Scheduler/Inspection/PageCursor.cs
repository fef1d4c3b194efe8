using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Messaging.Scheduler.Inspection;

/// <summary>
/// Where a page of <see cref="IRedisScheduledMessages.List" /> ends: the (score, token) of the last entry it covered, in
/// the order every partition's index has (score, then token byte by byte), so the next page starts right after it in each
/// partition, whichever partition it came from and whether or not it is still there. It carries a fingerprint of its query
/// (state, range, filter), so a cursor given with another query is refused. Shown as base64url text.
/// </summary>
/// <param name="Score">The score (Unix ms) of the last entry covered.</param>
/// <param name="Token">Its token.</param>
/// <param name="Query">The fingerprint of the query it belongs to.</param>
internal readonly record struct PageCursor(double Score, string Token, string Query)
{
    public string Encode() =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Join('\n', Score.ToString("R", CultureInfo.InvariantCulture), Token, Query)));

    /// <exception cref="ArgumentException">The text is not a cursor of this query.</exception>
    public static PageCursor Decode(string text, string query)
    {
        string[] parts;
        try
        {
            parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text)).Split('\n');
        }
        catch (FormatException ex)
        {
            throw new ArgumentException($"The cursor '{text}' is not one a page of this scheduler returned: give null for the first page, then the page's NextCursor.", ex);
        }

        if (parts.Length != 3 || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var score) || parts[1].Length == 0)
            throw new ArgumentException($"The cursor '{text}' is not one a page of this scheduler returned: give null for the first page, then the page's NextCursor.");
        if (parts[2] != query)
            throw new ArgumentException("The cursor belongs to another query (another state, time range or filter): give null for the first page of this one.");
        return new PageCursor(score, parts[1], parts[2]);
    }

    /// <summary>The fingerprint of a query: what a cursor must have been made for.</summary>
    public static string Fingerprint(ScheduledMessageQuery query)
    {
        var text = string.Join('\n', (int)query.State, query.FromUtc?.Ticks, query.ToUtc?.Ticks, query.Filter.MessageType, query.Filter.Destination,
            query.Filter.Channel);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 6));
    }

    /// <summary>Compares (score, token) as the indexes order their members.</summary>
    public static int Compare(double scoreA, string tokenA, double scoreB, string tokenB)
    {
        var byScore = scoreA.CompareTo(scoreB);
        return byScore != 0 ? byScore : string.CompareOrdinal(tokenA, tokenB);
    }
}
