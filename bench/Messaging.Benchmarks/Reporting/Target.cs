using System.Globalization;

namespace Messaging.Benchmarks.Reporting;

/// <summary>A target from the issue: a bound on a figure itself, or on its ratio to the ceiling.</summary>
/// <param name="Text">How the target reads in the table, e.g. <c>≥ 80 % of raw</c>.</param>
/// <param name="OnRatio">True when the bound applies to the ratio, false when to the figure.</param>
/// <param name="AtLeast">True for a lower bound, false for an upper bound.</param>
/// <param name="Bound">The bound (a fraction for ratios).</param>
internal sealed record Target(string Text, bool OnRatio, bool AtLeast, double Bound)
{
    public static Target RatioAtLeast(double fraction, string of) =>
        new(string.Create(CultureInfo.InvariantCulture, $"≥ {fraction * 100:0} % of {of}"), true, true, fraction);

    public static Target AtMost(double bound, string unit) =>
        new(string.Create(CultureInfo.InvariantCulture, $"≤ {bound:0.###} {unit}"), false, false, bound);

    public bool Met(double value, double? ratio)
    {
        var x = OnRatio ? ratio : value;
        if (x is not { } v || double.IsNaN(v))
            return false;
        return AtLeast ? v >= Bound : v <= Bound;
    }
}
