using Messaging.Scheduler.Dashboard;

namespace Messaging.Scheduler.Dashboard.Tests.Infrastructure;

/// <summary>How a <see cref="DashboardHost" /> is set up.</summary>
public sealed class DashboardHostSettings
{
    /// <summary>Run the bridge in this host.</summary>
    public bool Bridge { get; set; } = true;

    /// <summary>The dashboard's <see cref="RedisSchedulerDashboardOptions.AllowActions" />.</summary>
    public bool AllowActions { get; set; } = true;

    /// <summary>Require the policy <see cref="DashboardHost.PolicyName" /> (role <c>operators</c>, signed in by
    /// <see cref="TestUserAuthentication" />); actions need it.</summary>
    public bool Policy { get; set; } = true;

    /// <summary>Run the scheduler endpoint (<c>AddRedisSchedulerConsumers</c>, on a queue of the host's own), which stores
    /// the recurring schedules <c>IRecurringMessageScheduler</c> sends.</summary>
    public bool SchedulerEndpoint { get; set; }

    /// <summary>The scheduler's MaxDeliveryAttempts.</summary>
    public int MaxDeliveryAttempts { get; set; } = 2;

    /// <summary>More dashboard options.</summary>
    public Action<RedisSchedulerDashboardOptions>? Dashboard { get; set; }
}
