using Messaging.Scheduler.Dashboard.Rendering;

namespace Messaging.Scheduler.Dashboard.Pages;

/// <summary>The recurring schedules, a page at a time: cron, time zone, next occurrence, paused; pause, resume, run now, cancel.</summary>
internal static class RecurringPage
{
    public static async Task Render(DashboardRequest request)
    {
        var cursor = request.Query("cursor");
        var page = await request.Messages.ListRecurring(cursor, request.Options.PageSize, request.Aborted).ConfigureAwait(false);
        var actions = request.Options.AllowActions;
        var html = new Html();
        html.Add($"<table class=\"grid recurring\"><thead><tr><th>Schedule</th><th>Cron</th><th>Time zone</th><th>Next occurrence</th><th>Starts</th><th>Ends</th><th>State</th><th>Message type</th><th>Destination</th>");
        if (actions)
            html.Add($"<th></th>");
        html.Add($"</tr></thead><tbody>");
        foreach (var s in page.Items)
        {
            var name = s.ScheduleGroup is { } group ? $"{group} / {s.ScheduleId}" : s.ScheduleId;
            var state = s.Paused ? "paused" : s.InFlight ? "delivering" : "active";
            html.Add($"<tr data-token=\"{s.Token}\"><td><a href=\"{request.Base}/message/{Uri.EscapeDataString(s.Token)}\">{name}</a></td><td><code>{s.CronExpression}</code></td><td>{s.TimeZoneId}</td>");
            html.Add($"<td>{Display.Time(s.NextOccurrenceUtc)}</td><td>{Display.Time(s.StartTime)}</td><td>{(s.EndTime == null ? "never" : Display.Time(s.EndTime))}</td><td class=\"state\">{state}</td>");
            html.Add($"<td title=\"{s.MessageType}\">{Display.ShortType(s.MessageType)}</td><td>{s.Destination ?? "–"}</td>");
            if (actions)
            {
                var token = ("token", (string?)s.Token);
                html.Add($"<td class=\"actions\">");
                if (s.Paused)
                    html.Add($"{request.ActionForm("resume", "Resume", null, token)}");
                else
                    html.Add($"{request.ActionForm("pause", "Pause", null, token)}");
                html.Add($"{request.ActionForm("run-now", "Run now", null, token)}{request.ActionForm("cancel", "Cancel", "Cancel this recurring schedule for good?", token)}</td>");
            }

            html.Add($"</tr>");
        }

        if (page.Items.Count == 0)
            html.Add($"<tr class=\"empty\"><td colspan=\"10\">No recurring schedule.</td></tr>");
        html.Add($"</tbody></table><nav class=\"pages\">");
        if (cursor != null)
            html.Add($"<a class=\"first\" href=\"{request.Base}/recurring\">First page</a>");
        if (page.NextCursor != null)
            html.Add($"<a class=\"next\" rel=\"next\" href=\"{request.Url("/recurring", ("cursor", page.NextCursor))}\">Next page</a>");
        else
            html.Add($"<span class=\"end\">End of the list</span>");
        html.Add($"</nav><p class=\"note\">The last occurrence is not kept by the store; a delivered occurrence is in the bridges' delivery logs.</p>");
        await request.WritePage("Recurring schedules", "Recurring", html).ConfigureAwait(false);
    }
}
