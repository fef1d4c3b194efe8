using Messaging.Scheduler.Dashboard.Rendering;
using Microsoft.AspNetCore.Http;

namespace Messaging.Scheduler.Dashboard.Pages;

/// <summary>One message in full, with the changes its state allows.</summary>
internal static class MessagePage
{
    public static async Task Render(DashboardRequest request, string token)
    {
        var details = await request.Messages.Show(token, request.Aborted).ConfigureAwait(false);
        var html = new Html();
        if (details == null)
        {
            html.Add($"<p class=\"error\">No message is stored under the token {token}: it was delivered, cancelled or deleted, or never existed.</p>");
            await request.WritePage("Message", "", html, StatusCodes.Status404NotFound).ConfigureAwait(false);
            return;
        }

        var m = details.Summary;
        Actions(html, request, details);
        html.Add($"<table class=\"fields\"><tbody>");
        Row(html, "Token", m.Token);
        Row(html, "State", Display.State(m.State) + (m.Recurring ? " (recurring)" : ""));
        Row(html, "Due", Display.Time(m.DueUtc));
        if (m.StateSinceUtc != null)
            Row(html, m.State == ScheduledMessageState.InFlight ? "Lease until" : "Dead since", Display.Time(m.StateSinceUtc));
        Row(html, "Partition", m.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Row(html, "MessageId", m.MessageId?.ToString());
        Row(html, "CorrelationId", m.CorrelationId?.ToString());
        Row(html, "Message type", m.MessageType);
        Row(html, "Destination", m.Destination);
        Row(html, "Channel", m.Channel);
        Row(html, "Attempts", m.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Row(html, m.State == ScheduledMessageState.DeadLettered ? "Reason" : "Last failure", m.LastFailure);
        Row(html, "Unreadable", m.Unreadable);
        Row(html, "Sent", details.SentUtc == null ? null : Display.Time(details.SentUtc));
        Row(html, "Expires", details.ExpirationUtc == null ? null : Display.Time(details.ExpirationUtc));
        Row(html, "Content type", details.ContentType);
        Row(html, "Stored size", $"{Display.Count(details.StoredBytes)} bytes");
        html.Add($"</tbody></table>");

        if (details.RecurringSchedule is { } schedule)
        {
            html.Add($"<h2>Recurring schedule</h2><table class=\"fields\"><tbody>");
            Row(html, "Schedule", schedule.ScheduleGroup is { } group ? $"{group} / {schedule.ScheduleId}" : schedule.ScheduleId);
            Row(html, "Cron", schedule.CronExpression);
            Row(html, "Time zone", schedule.TimeZoneId);
            Row(html, "Next occurrence", Display.Time(schedule.NextOccurrenceUtc));
            Row(html, "Starts", Display.Time(schedule.StartTime));
            Row(html, "Ends", schedule.EndTime == null ? "never" : Display.Time(schedule.EndTime));
            Row(html, "Paused", schedule.Paused ? "yes" : "no");
            html.Add($"</tbody></table>");
        }

        Map(html, "Ids", details.Ids.ToDictionary(p => p.Key, p => p.Value.ToString()));
        Map(html, "Addresses", details.Addresses);
        if (details.MessageTypes.Count > 0)
        {
            html.Add($"<h2>Message types</h2><ul>");
            foreach (var type in details.MessageTypes)
                html.Add($"<li>{type}</li>");
            html.Add($"</ul>");
        }

        Map(html, "Headers", details.Headers);
        Map(html, "Transport properties", details.TransportProperties);
        html.Add($"<h2>Body</h2>");
        if (details.Body != null)
            html.Add($"<pre class=\"body\">{details.Body}</pre>");
        else
            html.Add($"<p class=\"note\">Not shown: bodies hold phone numbers and the like. The host shows them with RedisScheduler:ShowMessageBodies = true.</p>");

        await request.WritePage($"Message {m.Token}", "", html).ConfigureAwait(false);
    }

    static void Actions(Html html, DashboardRequest request, ScheduledMessageDetails details)
    {
        if (!request.Options.AllowActions)
            return;
        var m = details.Summary;
        var token = ("token", (string?)m.Token);
        html.Add($"<div class=\"actions\">");
        switch (m.State)
        {
            case ScheduledMessageState.Waiting or ScheduledMessageState.Overdue or ScheduledMessageState.Paused:
                html.Add($"{request.ActionForm("run-now", "Run now", null, token)}");
                if (m.Recurring && details.RecurringSchedule is { } schedule)
                {
                    if (schedule.Paused)
                        html.Add($"{request.ActionForm("resume", "Resume", null, token)}");
                    else
                        html.Add($"{request.ActionForm("pause", "Pause", null, token)}");
                }

                html.Add($"{request.ActionForm("cancel", m.Recurring ? "Cancel the schedule" : "Cancel", "Cancel this message for good?", token)}");
                html.Add($"<form class=\"action\" method=\"post\" action=\"{request.Base}/actions/reschedule\">{request.AntiforgeryField()}");
                html.Add($"<input type=\"hidden\" name=\"token\" value=\"{m.Token}\"><input type=\"hidden\" name=\"return\" value=\"{request.Http.Request.PathBase.Value}{request.Http.Request.Path.Value}\">");
                html.Add($"<input name=\"due\" aria-label=\"new due time, UTC\" placeholder=\"2026-12-02 10:00 (UTC)\" required><button type=\"submit\" name=\"do\" value=\"reschedule\">Reschedule</button></form>");
                break;
            case ScheduledMessageState.DeadLettered:
                html.Add($"{request.ActionForm("requeue", "Requeue", null, token)}");
                html.Add($"{request.ActionForm("delete", "Delete", "Delete this dead letter for good?", token)}");
                break;
            default:
                html.Add($"<p class=\"note\">Being delivered by a bridge: it cannot be changed now.</p>");
                break;
        }

        html.Add($"</div>");
    }

    static void Row(Html html, string name, string? value)
    {
        if (value != null)
            html.Add($"<tr><th>{name}</th><td>{value}</td></tr>");
    }

    static void Map(Html html, string title, IReadOnlyDictionary<string, string> values)
    {
        if (values.Count == 0)
            return;
        html.Add($"<h2>{title}</h2><table class=\"fields\"><tbody>");
        foreach (var (name, value) in values.OrderBy(v => v.Key, StringComparer.Ordinal))
            html.Add($"<tr><th>{name}</th><td><code>{value}</code></td></tr>");
        html.Add($"</tbody></table>");
    }
}
