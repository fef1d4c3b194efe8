namespace Messaging.Scheduler.Cli.Tests;

/// <summary>The progress display of bulk operations: in place on a terminal, whole lines otherwise.</summary>
public sealed class ProgressLineTests
{
    [Fact]
    public void On_a_terminal_the_line_is_rewritten_in_place_and_ends_with_the_total()
    {
        using var error = new StringWriter();
        var progress = new ProgressLine(error, interactive: true, "requeued", total: 1000);

        progress.Report(250);
        progress.Complete(1000);

        var text = error.ToString();
        Assert.StartsWith("\rrequeued: 250 of ~1,000 (25%)", text, StringComparison.Ordinal);
        Assert.Contains("\rrequeued: 1,000 of ~1,000 (100%)", text, StringComparison.Ordinal);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Elsewhere_whole_lines_are_written_at_most_once_a_second()
    {
        using var error = new StringWriter();
        var progress = new ProgressLine(error, interactive: false, "deleted", total: null);

        for (var i = 1; i <= 100; i++)
            progress.Report(i);
        progress.Complete(100);

        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain("\r", error.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("deleted: 1,", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("deleted: 100,", lines[^1], StringComparison.Ordinal);
        Assert.True(lines.Length <= 3, string.Join(" | ", lines));
    }
}
