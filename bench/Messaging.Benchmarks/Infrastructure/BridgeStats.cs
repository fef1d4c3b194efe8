using System.Globalization;

namespace Messaging.Benchmarks.Infrastructure;

/// <summary>What one bridge process counted so far (from the scheduler's own metrics): deliveries, and claims by outcome.</summary>
/// <param name="Delivered">Messages republished and confirmed (<c>messaging.scheduler.delivered</c>).</param>
/// <param name="Full">Claims that got as many entries as they asked for.</param>
/// <param name="Partial">Claims that got fewer (the partition had no more due, or another bridge took them).</param>
/// <param name="Empty">Claims that got none.</param>
internal readonly record struct BridgeStats(long Delivered, long Full, long Partial, long Empty)
{
    public const string Tag = "STATS";

    public long Claims => Full + Partial + Empty;

    public BridgeStats Since(BridgeStats start) => new(Delivered - start.Delivered, Full - start.Full, Partial - start.Partial, Empty - start.Empty);

    public string Line() => string.Create(CultureInfo.InvariantCulture, $"{Tag} {Delivered} {Full} {Partial} {Empty}");

    public static BridgeStats Parse(string line)
    {
        var f = line.Split(' ');
        if (f.Length != 5 || f[0] != Tag)
            throw new FormatException($"not a stats line: {line}");
        return new BridgeStats(long.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[2], CultureInfo.InvariantCulture),
            long.Parse(f[3], CultureInfo.InvariantCulture), long.Parse(f[4], CultureInfo.InvariantCulture));
    }
}
