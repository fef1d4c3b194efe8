namespace Messaging.Benchmarks.Reporting;

/// <summary>One figure of one run.</summary>
/// <param name="Workload">The workload's name (the --only name).</param>
/// <param name="Figure">What was measured.</param>
/// <param name="Unit">Its unit: msg/s, ms, B, s, ×.</param>
/// <param name="Value">The figure.</param>
/// <param name="Ceiling">The ceiling (or baseline) measured in the same run, if the figure has one.</param>
/// <param name="CeilingLabel">What the ceiling is.</param>
/// <param name="Target">The target for this figure, if any.</param>
internal sealed record Measurement(string Workload, string Figure, string Unit, double Value, double? Ceiling = null, string? CeilingLabel = null,
    Target? Target = null)
{
    /// <summary>Value over ceiling, when there is a ceiling.</summary>
    public double? Ratio => Ceiling is { } c && c != 0 ? Value / c : null;
}
