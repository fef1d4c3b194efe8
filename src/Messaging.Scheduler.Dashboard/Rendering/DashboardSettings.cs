namespace Messaging.Scheduler.Dashboard.Rendering;

/// <summary>One mounted dashboard: its options, fixed when it was mapped, and the path it was mapped under.</summary>
internal sealed class DashboardSettings
{
    public DashboardSettings(RedisSchedulerDashboardOptions options, string mountPath)
    {
        Options = options;
        MountPath = mountPath;
    }

    public RedisSchedulerDashboardOptions Options { get; }

    /// <summary>The mount path without a trailing slash (<c>/scheduler</c>), empty for the root.</summary>
    public string MountPath { get; }
}
