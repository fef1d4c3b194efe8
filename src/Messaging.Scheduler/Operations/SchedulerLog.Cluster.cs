using Microsoft.Extensions.Logging;

namespace Messaging.Scheduler.Operations;

/// <summary>The bridge's Redis Cluster log events (ids 110-119).</summary>
internal static partial class SchedulerLog
{
    [LoggerMessage(110, LogLevel.Information, "Redis Cluster: partitions per primary: {Placement}")]
    public static partial void PartitionPlacement(ILogger logger, string placement);

    [LoggerMessage(111, LogLevel.Warning, "Claims in partition {Partition} failed ({Error}); the other partitions go on, and this one is tried again in {RetryDelayMs} ms")]
    public static partial void PartitionClaimFailed(ILogger logger, int partition, string error, long retryDelayMs);
}
