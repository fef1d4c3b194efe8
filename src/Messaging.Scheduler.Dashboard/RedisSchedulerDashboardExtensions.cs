using Messaging.Scheduler;
using Messaging.Scheduler.Dashboard;
using Messaging.Scheduler.Dashboard.Pages;
using Messaging.Scheduler.Dashboard.Rendering;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace MassTransit;

/// <summary>Mounts the Redis scheduler's dashboard in an ASP.NET Core app.</summary>
public static class RedisSchedulerDashboardExtensions
{
    /// <summary>
    /// Serves the scheduler dashboard under <paramref name="pattern" />: an overview that refreshes itself, the waiting,
    /// in-flight and dead-lettered messages, one message in full, and the recurring schedules. It reads
    /// <see cref="IRedisScheduledMessages" />, registered by <c>AddRedisMessageScheduler</c> (or
    /// <c>services.AddRedisScheduledMessages</c> in a host without a bus).
    /// </summary>
    /// <remarks>
    /// Safe by default: read-only, and answering only requests from the loopback address until
    /// <see cref="RedisSchedulerDashboardOptions.AuthorizationPolicy" /> names a policy, which every request must then
    /// satisfy. Changes are offered only with <see cref="RedisSchedulerDashboardOptions.AllowActions" />, which needs that
    /// policy, as form posts that carry an anti-forgery token.
    /// </remarks>
    /// <param name="endpoints">The app (or another endpoint route builder).</param>
    /// <param name="pattern">The path the dashboard lives under, a literal path such as <c>/scheduler</c>.</param>
    /// <param name="configure">Sets the dashboard's options.</param>
    /// <returns>The dashboard's route group, to which the host may add its own conventions (<c>RequireHost</c>,
    /// <c>RequireAuthorization</c>, ...).</returns>
    /// <exception cref="InvalidOperationException">A service the dashboard needs is not registered; the message says which
    /// registration to add.</exception>
    public static RouteGroupBuilder MapRedisSchedulerDashboard(this IEndpointRouteBuilder endpoints, string pattern = "/scheduler",
        Action<RedisSchedulerDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);

        var options = new RedisSchedulerDashboardOptions();
        configure?.Invoke(options);
        if (options.PageSize is < 1 or > ScheduledMessageQuery.MaxPageSize)
            throw new ArgumentException($"RedisSchedulerDashboardOptions.PageSize is {options.PageSize}: it must be from 1 to {ScheduledMessageQuery.MaxPageSize}.", nameof(configure));
        if (options.RefreshInterval < TimeSpan.FromMilliseconds(250))
            throw new ArgumentException($"RedisSchedulerDashboardOptions.RefreshInterval is {options.RefreshInterval}: it must be at least 250 ms.", nameof(configure));

        var services = endpoints.ServiceProvider.GetService<IServiceProviderIsService>();
        Require<IRedisScheduledMessages>(services,
            "The scheduler dashboard reads IRedisScheduledMessages: register it with services.AddMassTransit(x => x.AddRedisMessageScheduler(...)) or, in a host without a bus, services.AddRedisScheduledMessages(...).");
        Require<IRedisSchedulerDeadLetters>(services,
            "The scheduler dashboard needs IRedisSchedulerDeadLetters, which AddRedisMessageScheduler and AddRedisScheduledMessages register.");
        if (options.AllowActions)
        {
            if (options.AuthorizationPolicy == null)
            {
                throw new InvalidOperationException(
                    "The scheduler dashboard's actions need an authorization policy: set RedisSchedulerDashboardOptions.AuthorizationPolicy to a policy " +
                    "registered with builder.Services.AddAuthorization(o => o.AddPolicy(\"SchedulerDashboard\", p => p.RequireRole(\"operators\"))), " +
                    "or leave AllowActions off (read-only, loopback only).");
            }

            Require<IAntiforgery>(services,
                "The scheduler dashboard's actions are protected by anti-forgery tokens: register them with builder.Services.AddAntiforgery(), or leave AllowActions off.");
        }

        if (options.AuthorizationPolicy != null)
        {
            Require<IPolicyEvaluator>(services,
                $"The scheduler dashboard's policy '{options.AuthorizationPolicy}' needs authorization: add builder.Services.AddAuthorization(o => o.AddPolicy(\"{options.AuthorizationPolicy}\", ...)).");
        }

        var trimmed = pattern.Trim().TrimEnd('/');
        var path = new PathString(trimmed.Length == 0 ? "" : trimmed.StartsWith('/') ? trimmed : "/" + trimmed);
        var settings = new DashboardSettings(options, path.Value ?? "");
        var group = endpoints.MapGroup(path.HasValue ? path.Value! : "/");
        DashboardEndpoints.Map(group, settings);
        return group;
    }

    static void Require<T>(IServiceProviderIsService? services, string message)
    {
        if (services != null && !services.IsService(typeof(T)))
            throw new InvalidOperationException(message);
    }
}
