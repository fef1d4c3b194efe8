using Messaging.Scheduler.Dashboard.Rendering;
using Microsoft.AspNetCore.Http;

namespace Messaging.Scheduler.Dashboard.Pages;

/// <summary>Finds stored messages by token, MessageId or CorrelationId; a token as listed (not a GUID) opens its message.</summary>
internal static class SearchPage
{
    public static async Task Render(DashboardRequest request)
    {
        var id = request.Query("id");
        var html = new Html();
        if (id == null)
        {
            html.Add($"<p class=\"note\">Type a token, MessageId or CorrelationId in the box above.</p>");
            await request.WritePage("Find", "", html).ConfigureAwait(false);
            return;
        }

        IReadOnlyList<ScheduledMessageSummary> found;
        if (Guid.TryParse(id, out var guid))
        {
            found = await request.Messages.Find(guid, progress: null, request.Aborted).ConfigureAwait(false);
        }
        else
        {
            var details = await request.Messages.Show(id, request.Aborted).ConfigureAwait(false);
            found = details == null ? [] : [details.Summary];
        }

        if (found.Count == 1)
        {
            request.Http.Response.Redirect($"{request.Base}/message/{Uri.EscapeDataString(found[0].Token)}");
            return;
        }

        if (found.Count == 0)
        {
            html.Add($"<p class=\"note\">No stored message has the token, MessageId or CorrelationId {id}.</p>");
            await request.WritePage("Find", "", html, StatusCodes.Status404NotFound).ConfigureAwait(false);
            return;
        }

        html.Add($"<p>{found.Count} messages have the id {id}.</p>");
        MessageListPage.Table(html, request, ScheduledMessageState.Waiting, found);
        await request.WritePage("Find", "", html).ConfigureAwait(false);
    }
}
