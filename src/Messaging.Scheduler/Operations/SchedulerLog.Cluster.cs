using Microsoft.Extensions.Logging;

namespace Messaging.Scheduler.Operations;

/// <summary>The bridge's Redis Cluster log events (ids 110-119).</summary>
internal static partial class SchedulerLog
{
    [LoggerMessage(110, LogLevel.Information, "Redis Cluster: partitions per primary: {Placement}")]
    public static partial void PartitionPlacement(ILogger logger, string placement);
}
