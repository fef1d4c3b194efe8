using System.Globalization;
using Messaging.Scheduler.Dashboard.Rendering;
using Microsoft.AspNetCore.Http;

namespace Messaging.Scheduler.Dashboard.Pages;

/// <summary>
/// One page of waiting (and overdue), in-flight or dead-lettered messages, filtered by message type, destination, channel
/// and a time range, with a link to the next page by the list's cursor. Dead letters can be requeued or deleted, one or
/// all that match the filter, when the host allows actions.
/// </summary>
internal static class MessageListPage
{
    public static async Task Render(DashboardRequest request, ScheduledMessageState state)
    {
        var (title, path) = state switch
        {
            ScheduledMessageState.InFlight => ("In flight", "/inflight"),
            ScheduledMessageState.DeadLettered => ("Dead letters", "/dead"),
            _ => ("Waiting", "/waiting"),
        };
        var filter = new ScheduledMessageFilter { MessageType = request.Query("type"), Destination = request.Query("destination"), Channel = request.Query("channel") };
        var html = new Html();
        var errors = new List<string>();
        var from = Time(request.Query("from"), "from", errors);
        var to = Time(request.Query("to"), "to", errors);
        var size = request.Options.PageSize;
        if (request.Query("size") is { } sizeText && (!int.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > ScheduledMessageQuery.MaxPageSize))
            errors.Add($"size must be a whole number from 1 to {ScheduledMessageQuery.MaxPageSize}");

        FilterForm(html, request, path, size);
        if (errors.Count > 0)
        {
            html.Add($"<p class=\"error\">{string.Join("; ", errors)}.</p>");
            await request.WritePage(title, title, html, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return;
        }

        var query = new ScheduledMessageQuery { State = state, Filter = filter, FromUtc = from, ToUtc = to, PageSize = size, Cursor = request.Query("cursor") };
        ScheduledMessagePage page;
        try
        {
            page = await request.Messages.List(query, request.Aborted).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            html.Add($"<p class=\"error\">{ex.Message}</p>");
            await request.WritePage(title, title, html, StatusCodes.Status400BadRequest).ConfigureAwait(false);
            return;
        }

        if (state == ScheduledMessageState.DeadLettered && request.Options.AllowActions)
        {
            html.Add($"<div class=\"bulk\"><span>Every dead letter that matches the message type, destination and channel above (the time range does not apply):</span>");
            html.Add($"{request.ActionForm("requeue-all", "Requeue all matching", "Requeue every dead letter that matches?", Fields(filter))}");
            html.Add($"{request.ActionForm("delete-all", "Delete all matching", "Delete every dead letter that matches, for good?", Fields(filter))}</div>");
        }

        Table(html, request, state, page.Items);
        html.Add($"<nav class=\"pages\"><span class=\"shown\">{Display.Count(page.Items.Count)} shown</span>");
        if (query.Cursor != null)
            html.Add($"<a class=\"first\" href=\"{Link(request, path, filter, size, cursor: null)}\">First page</a>");
        if (page.NextCursor != null)
            html.Add($"<a class=\"next\" rel=\"next\" href=\"{Link(request, path, filter, size, page.NextCursor)}\">Next page</a>");
        else
            html.Add($"<span class=\"end\">End of the list</span>");
        html.Add($"</nav>");

        await request.WritePage(title, title, html).ConfigureAwait(false);
    }

    static (string, string?)[] Fields(ScheduledMessageFilter filter) =>
        [("type", filter.MessageType), ("destination", filter.Destination), ("channel", filter.Channel)];

    static string Link(DashboardRequest request, string path, ScheduledMessageFilter filter, int size, string? cursor) =>
        request.Url(path, ("type", filter.MessageType), ("destination", filter.Destination), ("channel", filter.Channel), ("from", request.Query("from")),
            ("to", request.Query("to")), ("size", request.Query("size") != null ? size.ToString(CultureInfo.InvariantCulture) : null), ("cursor", cursor));

    static void FilterForm(Html html, DashboardRequest request, string path, int size)
    {
        html.Add($"<form class=\"filter\" method=\"get\" action=\"{request.Base}{path}\">");
        html.Add($"<label>Message type <input name=\"type\" value=\"{request.Query("type")}\" placeholder=\"SellerNotification\"></label>");
        html.Add($"<label>Destination <input name=\"destination\" value=\"{request.Query("destination")}\" placeholder=\"exchange or queue name\"></label>");
        html.Add($"<label>Channel <input name=\"channel\" value=\"{request.Query("channel")}\" placeholder=\"SELLER\"></label>");
        html.Add($"<label>From (UTC) <input name=\"from\" value=\"{request.Query("from")}\" placeholder=\"2026-12-02 10:00\"></label>");
        html.Add($"<label>To (UTC) <input name=\"to\" value=\"{request.Query("to")}\" placeholder=\"2026-12-02 12:00\"></label>");
        html.Add($"<label>Per page <input name=\"size\" type=\"number\" min=\"1\" max=\"{ScheduledMessageQuery.MaxPageSize}\" value=\"{size}\"></label>");
        html.Add($"<button type=\"submit\">Filter</button> <a href=\"{request.Base}{path}\">Clear</a></form>");
    }

    public static void Table(Html html, DashboardRequest request, ScheduledMessageState state, IReadOnlyList<ScheduledMessageSummary> items)
    {
        var dead = state == ScheduledMessageState.DeadLettered;
        var since = state switch
        {
            ScheduledMessageState.InFlight => "Lease until",
            ScheduledMessageState.DeadLettered => "Dead since",
            _ => null,
        };
        html.Add($"<table class=\"grid messages\"><thead><tr><th>Token</th><th>Due</th>");
        if (since != null)
            html.Add($"<th>{since}</th>");
        html.Add($"<th>State</th><th>Message type</th><th>Destination</th><th>Channel</th><th>Attempts</th><th>{(dead ? "Reason" : "Last failure")}</th>");
        if (dead && request.Options.AllowActions)
            html.Add($"<th></th>");
        html.Add($"</tr></thead><tbody>");
        foreach (var m in items)
        {
            html.Add($"<tr data-token=\"{m.Token}\" data-due=\"{Display.UnixMs(m.DueUtc)}\"><td class=\"token\"><a href=\"{request.Base}/message/{Uri.EscapeDataString(m.Token)}\">{m.Token}</a></td>");
            html.Add($"<td>{Display.Time(m.DueUtc)}</td>");
            if (since != null)
                html.Add($"<td>{Display.Time(m.StateSinceUtc)}</td>");
            html.Add($"<td>{Display.State(m.State)}{(m.Recurring ? " (recurring)" : "")}</td><td title=\"{m.MessageType}\">{Display.ShortType(m.MessageType)}</td>");
            html.Add($"<td>{m.Destination ?? "–"}</td><td>{m.Channel ?? "–"}</td><td class=\"n\">{m.Attempts}</td><td class=\"reason\">{m.Unreadable ?? m.LastFailure ?? ""}</td>");
            if (dead && request.Options.AllowActions)
            {
                html.Add($"<td class=\"actions\">{request.ActionForm("requeue", "Requeue", null, ("token", m.Token))}");
                html.Add($"{request.ActionForm("delete", "Delete", "Delete this dead letter for good?", ("token", m.Token))}</td>");
            }

            html.Add($"</tr>");
        }

        if (items.Count == 0)
            html.Add($"<tr class=\"empty\"><td colspan=\"10\">No message here.</td></tr>");
        html.Add($"</tbody></table>");
    }

    static DateTime? Time(string? text, string name, List<string> errors)
    {
        if (text == null)
            return null;
        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            return time;
        errors.Add($"{name} is not a time (write it as 2026-12-02 10:00, in UTC)");
        return null;
    }
}
