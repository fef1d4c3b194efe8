namespace Messaging.Scheduler.Dashboard;

/// <summary>
/// How the scheduler dashboard (<c>MapRedisSchedulerDashboard</c>) behaves. Safe by default: read-only, and served only to
/// requests from the loopback address until <see cref="AuthorizationPolicy" /> names a policy.
/// </summary>
public sealed class RedisSchedulerDashboardOptions
{
    /// <summary>
    /// Whether the pages offer the changes (cancel, run now, reschedule, requeue or delete dead letters, pause, resume) and
    /// accept them. Off by default. Actions need <see cref="AuthorizationPolicy" />, and anti-forgery registered by the host
    /// (<c>services.AddAntiforgery()</c>, which <c>AddRazorPages</c>, <c>AddControllersWithViews</c> and the like do too):
    /// every change is a form post that carries an anti-forgery token.
    /// </summary>
    public bool AllowActions { get; set; }

    /// <summary>
    /// The name of the authorization policy every request to the dashboard must satisfy (pages, data and changes), as
    /// registered with <c>services.AddAuthorization(o =&gt; o.AddPolicy(...))</c>. Null by default: then the dashboard
    /// answers only requests from the loopback address (the same machine) and refuses every other with 403.
    /// </summary>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>The title on every page. Default: <c>Scheduler</c>.</summary>
    public string Title { get; set; } = "Scheduler";

    /// <summary>How many messages a list page shows unless the page asks for another size (1 to 500). Default: 50.</summary>
    public int PageSize { get; set; } = 50;

    /// <summary>How often the overview asks for fresh numbers, without reloading the page. Default: 2 s.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(2);
}
