using System.Text.RegularExpressions;

namespace Messaging.Scheduler;

/// <summary>
/// The legacy-key adapter (off until a pattern is mapped): keys written the seed's way, <c>SET SELLER:AAA 1 EX 900</c>
/// (the prefix is the channel, the rest the correlation key, the TTL the delay), by <c>redis-cli</c> or producers in other
/// languages, become typed, durable scheduled messages, due when the key expires. The bridge imports a key as soon as it
/// is written (its <c>set</c> / <c>expire</c> keyspace events), sweeps the live keys when it starts, and delivers at once a
/// key whose <c>expired</c> event it hears before it imported the key (counted as imported late).
/// </summary>
public sealed partial class LegacyKeyOptions
{
    readonly List<LegacyKeyMapping> _mappings = [];

    /// <summary>Whether any pattern is mapped: the adapter runs only then.</summary>
    public bool Enabled => _mappings.Count > 0;

    /// <summary>How many keys one <c>SCAN</c> step of the start-up sweep asks for (its <c>COUNT</c>). Default: 100.</summary>
    public int ScanPageSize { get; set; } = 100;

    /// <summary>
    /// How long after a key's expiry its import mark is kept: an <c>expired</c> event that arrives within this time of the
    /// expiry the key was imported with does nothing. Default: 5 minutes.
    /// </summary>
    public TimeSpan MarkRetention { get; set; } = TimeSpan.FromMinutes(5);

    internal IReadOnlyList<LegacyKeyMapping> Mappings => _mappings;

    /// <summary>
    /// Maps keys such as <c>SELLER:*</c> to a message: <c>SELLER:AAA</c> becomes the message <paramref name="factory" />
    /// makes of <c>AAA</c>, published when the key would expire, on the channel <c>SELLER</c>.
    /// </summary>
    /// <typeparam name="T">The message type, published to its exchange as with <c>SchedulePublish</c>.</typeparam>
    /// <param name="pattern">A channel name (letters, digits and <c>_-.</c>), a <c>:</c> and a <c>*</c>: <c>SELLER:*</c>.</param>
    /// <param name="factory">Makes the message of the key's correlation key (the part after the <c>:</c>).</param>
    /// <returns>These options, for chaining.</returns>
    public LegacyKeyOptions Map<T>(string pattern, Func<string, T> factory)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(factory);
        var channel = pattern.EndsWith(":*", StringComparison.Ordinal) ? pattern[..^2] : pattern;
        _mappings.Add(new LegacyKeyMapping(pattern, channel, typeof(T), key => factory(key), LegacyKeyMapping.EncoderFor<T>()));
        return this;
    }

    internal IEnumerable<string> Problems()
    {
        const string s = RedisSchedulerOptions.SectionName + ":" + nameof(RedisSchedulerOptions.LegacyKeys);
        foreach (var mapping in _mappings)
        {
            if (!Pattern().IsMatch(mapping.Pattern))
                yield return $"{s}: the pattern '{mapping.Pattern}' must be a channel name (letters, digits and '_-.'), ':' and '*', such as 'SELLER:*'.";
        }

        foreach (var twice in _mappings.GroupBy(m => m.Channel, StringComparer.Ordinal).Where(g => g.Count() > 1))
            yield return $"{s}: the pattern '{twice.Key}:*' is mapped {twice.Count()} times; map each pattern once.";

        if (ScanPageSize is < 1 or > 10_000)
            yield return $"{s}:{nameof(ScanPageSize)} is {ScanPageSize}: use 1 to 10000.";

        if (MarkRetention < TimeSpan.FromSeconds(10))
            yield return $"{s}:{nameof(MarkRetention)} is {MarkRetention}: keep marks at least 10 s, or a late expired event delivers a key twice.";
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]+:\\*$")]
    private static partial Regex Pattern();
}
