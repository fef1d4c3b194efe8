using Messaging.Scheduler.Dashboard.Rendering;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Messaging.Scheduler.Dashboard.Pages;

/// <summary>The dashboard's routes, each behind <see cref="DashboardAccess" />.</summary>
internal static class DashboardEndpoints
{
    public static void Map(RouteGroupBuilder group, DashboardSettings settings)
    {
        Get(group, settings, "/", OverviewPage.Render);
        Get(group, settings, "/waiting", r => MessageListPage.Render(r, ScheduledMessageState.Waiting));
        Get(group, settings, "/inflight", r => MessageListPage.Render(r, ScheduledMessageState.InFlight));
        Get(group, settings, "/dead", r => MessageListPage.Render(r, ScheduledMessageState.DeadLettered));
        Get(group, settings, "/recurring", RecurringPage.Render);
        Get(group, settings, "/search", SearchPage.Render);
        Get(group, settings, "/message/{token}", r => MessagePage.Render(r, (string)r.Http.Request.RouteValues["token"]!));
        Get(group, settings, "/api/counts", DashboardApi.Counts);
        Get(group, settings, "/api/histogram", DashboardApi.Histogram);
        Get(group, settings, "/api/bridges", DashboardApi.Bridges);
        Get(group, settings, "/assets/{name}", r => DashboardAssets.Serve(r, (string)r.Http.Request.RouteValues["name"]!));
        group.MapPost("/actions/{action}", Guarded(settings, r => ActionHandler.Handle(r, (string)r.Http.Request.RouteValues["action"]!)))
            .WithDisplayName("Scheduler dashboard: action");
    }

    static void Get(RouteGroupBuilder group, DashboardSettings settings, string pattern, Func<DashboardRequest, Task> page) =>
        group.MapGet(pattern, Guarded(settings, page)).WithDisplayName("Scheduler dashboard: " + pattern);

    static RequestDelegate Guarded(DashboardSettings settings, Func<DashboardRequest, Task> handle) => async http =>
    {
        if (await DashboardAccess.Admit(http, settings).ConfigureAwait(false))
            await handle(new DashboardRequest(http, settings)).ConfigureAwait(false);
    };
}
