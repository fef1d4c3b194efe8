using System.Globalization;
using Messaging.Scheduler.Dashboard.Rendering;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Scheduler.Dashboard.Pages;

/// <summary>
/// A change posted from a page's form: refused (403) unless the host allows actions, refused (400) without a valid
/// anti-forgery token; otherwise carried out, and its outcome shown (Done, TooLate, NotFound, or how many).
/// </summary>
internal static class ActionHandler
{
    public const string Disabled =
        "Actions are off: the scheduler dashboard is read-only. The host turns them on with " +
        "app.MapRedisSchedulerDashboard(\"/scheduler\", o => { o.AllowActions = true; o.AuthorizationPolicy = \"...\"; }).";

    public static async Task Handle(DashboardRequest request, string action)
    {
        var http = request.Http;
        if (!request.Options.AllowActions)
        {
            await DashboardAccess.Refuse(http, StatusCodes.Status403Forbidden, Disabled).ConfigureAwait(false);
            return;
        }

        if (!http.Request.HasFormContentType)
        {
            await DashboardAccess.Refuse(http, StatusCodes.Status400BadRequest, "A change is a form post (application/x-www-form-urlencoded) with its anti-forgery token.").ConfigureAwait(false);
            return;
        }

        try
        {
            await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http).ConfigureAwait(false);
        }
        catch (AntiforgeryValidationException)
        {
            await DashboardAccess.Refuse(http, StatusCodes.Status400BadRequest,
                "The change was refused: its anti-forgery token is missing or not valid. Reload the page and try again.").ConfigureAwait(false);
            return;
        }

        var form = await http.Request.ReadFormAsync(request.Aborted).ConfigureAwait(false);
        string? Field(string name) => form.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v.ToString()) ? v.ToString().Trim() : null;
        var token = Field("token");
        var filter = new ScheduledMessageFilter { MessageType = Field("type"), Destination = Field("destination"), Channel = Field("channel") };
        var messages = request.Messages;
        var cancel = request.Aborted;

        string? outcome;
        string what;
        switch (action)
        {
            case "requeue-all":
                what = "Requeue all matching dead letters";
                outcome = $"{Display.Count(await messages.RequeueDeadLetters(filter, progress: null, cancel).ConfigureAwait(false))} requeued";
                break;
            case "delete-all":
                what = "Delete all matching dead letters";
                outcome = $"{Display.Count(await messages.DeleteDeadLetters(filter, progress: null, cancel).ConfigureAwait(false))} deleted";
                break;
            default:
                if (token == null)
                {
                    await DashboardAccess.Refuse(http, StatusCodes.Status400BadRequest, "The change names no token.").ConfigureAwait(false);
                    return;
                }

                what = $"{Name(action)} {token}";
                outcome = action switch
                {
                    "cancel" => (await messages.Cancel(token, cancel).ConfigureAwait(false)).ToString(),
                    "run-now" => (await messages.RunNow(token, cancel).ConfigureAwait(false)).ToString(),
                    "pause" => (await messages.PauseRecurring(token, cancel).ConfigureAwait(false)).ToString(),
                    "resume" => (await messages.ResumeRecurring(token, cancel).ConfigureAwait(false)).ToString(),
                    "requeue" => Change(await request.DeadLetters.Requeue(token).ConfigureAwait(false)),
                    "delete" => Change(await request.DeadLetters.Delete(token).ConfigureAwait(false)),
                    "reschedule" => await Reschedule(messages, token, Field("due"), cancel).ConfigureAwait(false),
                    _ => null,
                };
                break;
        }

        if (outcome == null)
        {
            await DashboardAccess.Refuse(http, StatusCodes.Status404NotFound, $"No such change: {action}.").ConfigureAwait(false);
            return;
        }

        var back = Return(request, Field("return"));
        var html = new Html();
        html.Add($"<p class=\"result\" data-outcome=\"{outcome}\">{what}: <strong>{outcome}</strong></p><p class=\"note\">{Explain(outcome)}</p>");
        html.Add($"<p><a class=\"back\" href=\"{back}\">Back</a></p>");
        await request.WritePage("Done", "", html).ConfigureAwait(false);
    }

    static string Name(string action) => action switch
    {
        "run-now" => "Run now",
        _ => CultureInfo.InvariantCulture.TextInfo.ToTitleCase(action),
    };

    static string Change(bool done) => (done ? ScheduledMessageChange.Done : ScheduledMessageChange.NotFound).ToString();

    static async Task<string> Reschedule(IRedisScheduledMessages messages, string token, string? due, CancellationToken cancellationToken)
    {
        if (!DateTime.TryParse(due, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var dueUtc))
            return "Refused: the new due time is not a time (write it as 2026-12-02 10:00, in UTC)";
        return (await messages.Reschedule(token, dueUtc, cancellationToken).ConfigureAwait(false)).ToString();
    }

    static string Explain(string outcome) => outcome switch
    {
        nameof(ScheduledMessageChange.Done) => "The change is made.",
        nameof(ScheduledMessageChange.TooLate) => "Nothing changed: a bridge is delivering the message now, and it will be delivered.",
        nameof(ScheduledMessageChange.NotFound) => "Nothing changed: nothing (or nothing in that state) is stored under the token.",
        _ => "",
    };

    /// <summary>Where the result page links back to: a page of this dashboard, never another site.</summary>
    static string Return(DashboardRequest request, string? path)
    {
        if (path != null && path.StartsWith(request.Base + "/", StringComparison.Ordinal) && !path.StartsWith("//", StringComparison.Ordinal) && !path.Contains('\\', StringComparison.Ordinal))
            return path;
        return request.Base + "/";
    }
}
