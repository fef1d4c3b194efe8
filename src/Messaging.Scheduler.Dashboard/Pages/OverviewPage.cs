using Messaging.Scheduler.Dashboard.Rendering;

namespace Messaging.Scheduler.Dashboard.Pages;

/// <summary>
/// The overview: the counts, what falls due in the next hour, the bridges that are alive, and the stored messages per
/// message type, destination and channel. The page's script refreshes every number in place (<see cref="DashboardApi" />).
/// </summary>
internal static class OverviewPage
{
    public static readonly TimeSpan HistogramRange = TimeSpan.FromHours(1);
    public const int HistogramBuckets = 60;

    public static async Task Render(DashboardRequest request)
    {
        var messages = request.Messages;
        var counts = await messages.Counts(request.Aborted).ConfigureAwait(false);
        var histogram = await messages.DueHistogram(HistogramRange, HistogramBuckets, request.Aborted).ConfigureAwait(false);
        var bridges = await messages.Bridges(request.Aborted).ConfigureAwait(false);

        var html = new Html();
        html.Add($"<section class=\"cards\">");
        Card(html, request, "Waiting", "waiting", counts.Waiting, "/waiting");
        Card(html, request, "Overdue", "overdue", counts.Overdue, "/waiting");
        Card(html, request, "In flight", "inFlight", counts.InFlight, "/inflight");
        Card(html, request, "Dead-lettered", "deadLettered", counts.DeadLettered, "/dead");
        Card(html, request, "Recurring", "recurringActive", counts.RecurringActive, "/recurring");
        Card(html, request, "Recurring paused", "recurringPaused", counts.RecurringPaused, "/recurring");
        html.Add($"<div class=\"card\"><span class=\"label\">Delivered per second</span><span class=\"num\" data-rate>–</span></div>");
        html.Add($"</section><p class=\"updated\">Counts at <span data-updated>{Display.Time(counts.AtUtc)}</span> <span class=\"status\" data-status></span></p>");

        html.Add($"<h2>Due in the next hour</h2>");
        Histogram(html, histogram);

        html.Add($"<h2>Bridges</h2><table class=\"grid bridges\"><thead><tr><th>Host</th><th>Process</th><th>Started</th><th>Last seen</th><th>Last claim</th><th>Delivered</th><th>Lateness p50</th><th>Lateness p99</th></tr></thead><tbody data-bridges>");
        foreach (var bridge in bridges)
        {
            html.Add($"<tr data-bridge=\"{bridge.BridgeId}\"><td>{bridge.Host}</td><td>{bridge.ProcessId}</td><td>{Display.Time(bridge.StartedUtc)}</td><td>{Display.Time(bridge.LastSeenUtc)}</td>");
            html.Add($"<td>{Display.Time(bridge.LastClaimUtc)}</td><td class=\"n\">{Display.Count(bridge.Delivered)}</td><td class=\"n\">{Display.Duration(bridge.LatenessP50)}</td><td class=\"n\">{Display.Duration(bridge.LatenessP99)}</td></tr>");
        }

        if (bridges.Count == 0)
            html.Add($"<tr class=\"empty\"><td colspan=\"8\">No bridge has reported in the last minute.</td></tr>");
        html.Add($"</tbody></table>");

        Labels(html, request, "Message types", "byMessageType", "type", counts.ByMessageType, Display.ShortType);
        Labels(html, request, "Destinations", "byDestination", "destination", counts.ByDestination, d => d);
        Labels(html, request, "Channels", "byChannel", "channel", counts.ByChannel, c => c);

        await request.WritePage("Overview", "Overview", html, live: true).ConfigureAwait(false);
    }

    static void Card(Html html, DashboardRequest request, string label, string key, long value, string path) =>
        html.Add($"<a class=\"card\" href=\"{request.Base}{path}\"><span class=\"label\">{label}</span><span class=\"num\" data-count=\"{key}\">{Display.Count(value)}</span></a>");

    static void Histogram(Html html, DueHistogram histogram)
    {
        var max = Math.Max(1, histogram.Counts.Count == 0 ? 1 : histogram.Counts.Max());
        var total = histogram.Counts.Sum();
        html.Add($"<div class=\"histogram\" data-histogram data-max=\"{max}\" role=\"img\" aria-label=\"messages due per minute in the next hour\">");
        for (var i = 0; i < histogram.Counts.Count; i++)
        {
            var start = histogram.StartUtc + histogram.BucketWidth * i;
            var height = histogram.Counts[i] == 0 ? 0 : Math.Max(2, 100.0 * histogram.Counts[i] / max);
            html.Add($"<div class=\"bar\" style=\"height:{height:0.#}%\" title=\"{Display.Time(start)}: {Display.Count(histogram.Counts[i])}\"></div>");
        }

        html.Add($"</div><p class=\"axis\"><span>now</span><span><b data-histogram-total>{Display.Count(total)}</b> due in the next hour</span><span>+1 h</span></p>");
    }

    static void Labels(Html html, DashboardRequest request, string title, string key, string filter, IReadOnlyDictionary<string, LabelCount> counts,
        Func<string, string> show)
    {
        html.Add($"<h2>{title}</h2><table class=\"grid labels\"><thead><tr><th>{title[..^1]}</th><th>Pending</th><th>Dead-lettered</th></tr></thead><tbody data-labels=\"{key}\">");
        foreach (var (label, count) in counts.OrderByDescending(c => c.Value.Pending + c.Value.DeadLettered).ThenBy(c => c.Key, StringComparer.Ordinal))
        {
            html.Add($"<tr><td><a href=\"{request.Url("/waiting", (filter, label))}\" title=\"{label}\">{show(label)}</a></td><td class=\"n\">{Display.Count(count.Pending)}</td>");
            html.Add($"<td class=\"n\"><a href=\"{request.Url("/dead", (filter, label))}\">{Display.Count(count.DeadLettered)}</a></td></tr>");
        }

        if (counts.Count == 0)
            html.Add($"<tr class=\"empty\"><td colspan=\"3\">None.</td></tr>");
        html.Add($"</tbody></table>");
    }
}
