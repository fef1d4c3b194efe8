using System.Globalization;
using System.Text;

namespace Messaging.Benchmarks.Reporting;

/// <summary>
/// Collects every run's figures and prints them as a Markdown table: median and min-max over the runs, the ceiling
/// measured in the same runs, the ratio (computed per run, then its median and min-max), the target and the verdict.
/// </summary>
internal sealed class ResultTable
{
    readonly List<(int Run, Measurement Measurement)> _measurements = [];
    readonly List<NoiseRecord> _noise = [];
    readonly List<string> _notes = [];
    readonly List<string> _failures = [];
    readonly Lock _lock = new();

    public IReadOnlyList<string> Failures
    {
        get
        {
            lock (_lock)
                return [.. _failures];
        }
    }

    public void Add(int run, Measurement measurement)
    {
        lock (_lock)
            _measurements.Add((run, measurement));
    }

    public void Noise(NoiseRecord record)
    {
        lock (_lock)
            _noise.Add(record);
    }

    public void Note(string text)
    {
        lock (_lock)
            _notes.Add(text);
    }

    public void Fail(string text)
    {
        lock (_lock)
            _failures.Add(text);
    }

    public string Render()
    {
        lock (_lock)
        {
            var sb = new StringBuilder();
            sb.AppendLine("| Workload | Figure | Median | Min – max | Ceiling / baseline (median) | Ratio: median (min – max) | Target | Verdict |");
            sb.AppendLine("|---|---|---:|---:|---|---:|---|---|");
            foreach (var group in _measurements.GroupBy(m => (m.Measurement.Workload, m.Measurement.Figure)))
            {
                var items = group.Select(g => g.Measurement).ToArray();
                var first = items[0];
                var values = items.Select(m => m.Value).ToArray();
                var median = Stats.Median(values);
                var unit = first.Unit;
                var ceiling = items.Where(m => m.Ceiling.HasValue).Select(m => m.Ceiling!.Value).ToArray();
                var ratios = items.Where(m => m.Ratio.HasValue).Select(m => m.Ratio!.Value).ToArray();
                var ratioMedian = ratios.Length > 0 ? Stats.Median(ratios) : (double?)null;

                var ceilingText = ceiling.Length > 0 ? $"{Format(Stats.Median(ceiling), unit)} {first.CeilingLabel}" : "";
                var ratioText = ratios.Length > 0 ? $"{Percent(ratioMedian!.Value)} ({Percent(ratios.Min())} – {Percent(ratios.Max())})" : "";
                var targetText = first.Target?.Text ?? "";
                var verdict = "";
                if (first.Target is { } target)
                {
                    var met = target.Met(median, ratioMedian);
                    var runsMet = items.Count(m => target.Met(m.Value, m.Ratio));
                    verdict = $"{(met ? "**met**" : "**missed**")} ({runsMet}/{items.Length} runs)";
                }

                sb.Append(CultureInfo.InvariantCulture,
                    $"| {first.Workload} | {first.Figure} | {Format(median, unit)} | {Format(values.Min(), unit)} – {Format(values.Max(), unit)} | {ceilingText} | {ratioText} | {targetText} | {verdict} |");
                sb.AppendLine();
            }

            if (_noise.Count > 0)
            {
                sb.AppendLine();
                sb.AppendLine("Machine load per workload run (average cores busy; 2 cores in all; \"other\" is work outside the benchmark, its Redis and RabbitMQ):");
                sb.AppendLine();
                sb.AppendLine("| Workload | Run | Wall s | Benchmark process | Redis | RabbitMQ | Other |");
                sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
                foreach (var n in _noise)
                {
                    sb.Append(CultureInfo.InvariantCulture,
                        $"| {n.Workload} | {n.Run} | {n.Wall:0.0} | {n.OwnCores:0.00} | {n.RedisCores:0.00} | {(double.IsNaN(n.RabbitCores) ? "?" : n.RabbitCores.ToString("0.00", CultureInfo.InvariantCulture))} | {n.OtherCores:0.00} |");
                    sb.AppendLine();
                }
            }

            if (_notes.Count > 0)
            {
                sb.AppendLine();
                sb.AppendLine("Notes:");
                sb.AppendLine();
                foreach (var note in _notes)
                    sb.AppendLine("- " + note);
            }

            if (_failures.Count > 0)
            {
                sb.AppendLine();
                sb.AppendLine("FAILURES:");
                sb.AppendLine();
                foreach (var failure in _failures)
                    sb.AppendLine("- " + failure);
            }

            return sb.ToString();
        }
    }

    static string Percent(double ratio) => string.Create(CultureInfo.InvariantCulture, $"{ratio * 100:0.#} %");

    public static string Format(double value, string unit)
    {
        if (double.IsNaN(value))
            return "n/a";
        var format = unit switch
        {
            "msg/s" => "#,0",
            "ms" => "0.0",
            "B" => "#,0",
            "CPU s" => "0.00",
            _ => "0.###",
        };
        return value.ToString(format, CultureInfo.InvariantCulture) + " " + unit;
    }
}
