using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Scheduler.Dashboard.Rendering;

/// <summary>
/// Who may see the dashboard. Without <see cref="RedisSchedulerDashboardOptions.AuthorizationPolicy" />: requests from the
/// loopback address only. With it: every request must satisfy that policy, wherever it comes from.
/// </summary>
internal static class DashboardAccess
{
    public const string NotConfigured =
        "The scheduler dashboard answers only requests from this machine (loopback) until the host names an authorization policy: " +
        "app.MapRedisSchedulerDashboard(\"/scheduler\", o => o.AuthorizationPolicy = \"SchedulerDashboard\") with " +
        "builder.Services.AddAuthorization(o => o.AddPolicy(\"SchedulerDashboard\", p => p.RequireRole(\"operators\"))).";

    /// <summary>True when the request may go on; otherwise the refusal has been written.</summary>
    public static async Task<bool> Admit(HttpContext http, DashboardSettings settings)
    {
        if (settings.Options.AuthorizationPolicy is not { } name)
        {
            if (IsLoopback(http.Connection.RemoteIpAddress))
                return true;
            await Refuse(http, StatusCodes.Status403Forbidden, NotConfigured).ConfigureAwait(false);
            return false;
        }

        var provider = http.RequestServices.GetRequiredService<IAuthorizationPolicyProvider>();
        var policy = await provider.GetPolicyAsync(name).ConfigureAwait(false)
            ?? throw new InvalidOperationException(
                $"The scheduler dashboard's authorization policy '{name}' is not registered: add it with services.AddAuthorization(o => o.AddPolicy(\"{name}\", ...)).");
        var evaluator = http.RequestServices.GetRequiredService<IPolicyEvaluator>();
        var authentication = await evaluator.AuthenticateAsync(policy, http).ConfigureAwait(false);
        var result = await evaluator.AuthorizeAsync(policy, authentication, http, resource: null).ConfigureAwait(false);
        if (result.Succeeded)
            return true;

        if (result.Challenged)
            await Challenge(http, policy).ConfigureAwait(false);
        else
            await Forbid(http, policy).ConfigureAwait(false);
        return false;
    }

    public static bool IsLoopback(IPAddress? address) =>
        address != null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    static async Task Challenge(HttpContext http, AuthorizationPolicy policy)
    {
        if (policy.AuthenticationSchemes.Count > 0)
        {
            foreach (var scheme in policy.AuthenticationSchemes)
                await http.ChallengeAsync(scheme).ConfigureAwait(false);
        }
        else if (await HasDefault(http, forbid: false).ConfigureAwait(false))
        {
            await http.ChallengeAsync().ConfigureAwait(false);
        }
        else
        {
            await Refuse(http, StatusCodes.Status401Unauthorized, "Sign in to see the scheduler dashboard.").ConfigureAwait(false);
        }
    }

    static async Task Forbid(HttpContext http, AuthorizationPolicy policy)
    {
        if (policy.AuthenticationSchemes.Count > 0)
        {
            foreach (var scheme in policy.AuthenticationSchemes)
                await http.ForbidAsync(scheme).ConfigureAwait(false);
        }
        else if (await HasDefault(http, forbid: true).ConfigureAwait(false))
        {
            await http.ForbidAsync().ConfigureAwait(false);
        }
        else
        {
            await Refuse(http, StatusCodes.Status403Forbidden, "The scheduler dashboard's authorization policy refused this request.").ConfigureAwait(false);
        }
    }

    static async Task<bool> HasDefault(HttpContext http, bool forbid)
    {
        if (http.RequestServices.GetService<IAuthenticationSchemeProvider>() is not { } schemes)
            return false;
        var scheme = forbid ? await schemes.GetDefaultForbidSchemeAsync().ConfigureAwait(false) : await schemes.GetDefaultChallengeSchemeAsync().ConfigureAwait(false);
        return scheme != null;
    }

    public static async Task Refuse(HttpContext http, int status, string text)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        DashboardRequest.Secure(http.Response);
        await http.Response.WriteAsync(text, http.RequestAborted).ConfigureAwait(false);
    }
}
