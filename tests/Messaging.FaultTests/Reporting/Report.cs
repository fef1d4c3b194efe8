using System.Globalization;
using System.Text;
using Messaging.FaultTests.Oracle;

namespace Messaging.FaultTests.Reporting;

/// <summary>The table every run prints, and the same as Markdown with the machine facts, notes and evidence.</summary>
internal static class Report
{
    static readonly string[] Columns =
        ["#", "Scenario", "Scheduled", "Delivered", "Lost", "Early", "Cancelled but delivered", "Duplicates (unexplained)", "Duplicate SMS (repeated gateway calls)", "Catch-up", "Time", "Result"];

    public static string[] Row(ScenarioResult r) =>
    [
        r.Id,
        r.Title,
        N(r.Scheduled) + (r.ScheduleFailed > 0 ? $" (+{N(r.ScheduleFailed)} failed calls)" : "") + (r.Cancelled > 0 ? $" ({N(r.Cancelled)} cancelled)" : ""),
        N(r.Delivered),
        N(r.Lost) + (r.WindowLost > 0 ? $" (+{N(r.WindowLost)} in window)" : ""),
        N(r.Early),
        N(r.CancelledDelivered),
        $"{N(r.Duplicates)} ({N(r.UnexplainedDuplicates)})",
        $"{N(r.DuplicateSms)} ({N(r.RepeatedGatewayCalls)})",
        r.CatchUp is { } c ? (c.TotalSeconds < 1 ? $"{c.TotalMilliseconds:0} ms" : $"{c.TotalSeconds:0.0} s") : "-",
        $"{r.Duration.TotalSeconds:0} s",
        r.Passed ? "PASS" : r.Errored ? "ERROR" : r.BoundExceeded ? "FAIL (bound)" : "FAIL",
    ];

    public static void Print(IReadOnlyList<ScenarioResult> results, TextWriter output)
    {
        var rows = results.Select(Row).ToList();
        var widths = Columns.Select((c, i) => Math.Max(c.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => i is 0 or 1 ? c.PadRight(widths[i]) : c.PadLeft(widths[i])));
        output.WriteLine();
        output.WriteLine(Line(Columns));
        output.WriteLine(new string('-', widths.Sum() + 2 * (widths.Length - 1)));
        foreach (var row in rows)
            output.WriteLine(Line(row));
        output.WriteLine();
        foreach (var r in results)
        {
            foreach (var f in r.Failures)
                output.WriteLine($"  {r.Id} FAILED: {f}");
            foreach (var e in r.Evidence)
                output.WriteLine($"  {r.Id} evidence: {e}");
        }
    }

    public static string Markdown(IReadOnlyList<ScenarioResult> results, IReadOnlyList<(string Name, string Value)> facts, string command,
        TimeSpan total, string? infrastructureError)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Fault suite: {(results.All(r => r.Passed) && infrastructureError == null ? "PASS" : "FAIL")}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Command: `{command}`, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {total.TotalSeconds:0} s in all.");
        md.AppendLine();
        md.AppendLine("| " + string.Join(" | ", Columns) + " |");
        md.AppendLine("|" + string.Join("|", Columns.Select((_, i) => i is 0 or 1 ? "---" : "---:")) + "|");
        foreach (var r in results)
            md.AppendLine("| " + string.Join(" | ", Row(r).Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))) + " |");
        md.AppendLine();
        md.AppendLine("Lost, early and cancelled-but-delivered must be 0; a duplicate must carry the original MessageId and have been in flight at a");
        md.AppendLine("crash (unexplained duplicates must be 0). Duplicates are copies the broker handed a consumer; duplicate SMS are messages the");
        md.AppendLine("gateway would send twice although it honours idempotency keys (scenario 1 requires 0); repeated gateway calls are messages handed to");
        md.AppendLine("the gateway twice with the same key (a kill between the send and the mark). Catch-up: see each scenario's note for what it measures.");
        md.AppendLine();
        if (infrastructureError != null)
        {
            md.AppendLine("## Infrastructure error");
            md.AppendLine();
            md.AppendLine("```");
            md.AppendLine(infrastructureError);
            md.AppendLine("```");
            md.AppendLine();
        }

        md.AppendLine("## Notes");
        md.AppendLine();
        foreach (var r in results)
        {
            md.AppendLine($"**{r.Id}. {r.Title}**" + (r.CatchUpMeaning.Length > 0 ? $" Catch-up: {r.CatchUpMeaning}." : ""));
            md.AppendLine();
            foreach (var n in r.Notes)
                md.AppendLine("- " + n);
            foreach (var f in r.Failures)
                md.AppendLine("- FAILED: " + f);
            foreach (var e in r.Evidence)
                md.AppendLine("- evidence: " + e);
            md.AppendLine();
        }

        md.AppendLine("## Machine");
        md.AppendLine();
        foreach (var (name, value) in facts)
            md.AppendLine(CultureInfo.InvariantCulture, $"- {name}: {value}");
        return md.ToString();
    }

    static string N(int n) => n.ToString("#,0", CultureInfo.InvariantCulture);
}
