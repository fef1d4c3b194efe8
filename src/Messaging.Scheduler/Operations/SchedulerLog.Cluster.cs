using Microsoft.Extensions.Logging;

namespace Messaging.Scheduler.Operations;

/// <summary>The bridge's Redis Cluster log events (ids 110-119), and the retries a slot move or failover causes.</summary>
internal static partial class SchedulerLog
{
    [LoggerMessage(110, LogLevel.Information, "Redis Cluster: partitions per primary: {Placement}")]
    public static partial void PartitionPlacement(ILogger logger, string placement);

    [LoggerMessage(111, LogLevel.Warning, "Claims in partition {Partition} failed ({Error}); the other partitions go on, and this one is tried again in {RetryDelayMs} ms")]
    public static partial void PartitionClaimFailed(ILogger logger, int partition, string error, long retryDelayMs);

    [LoggerMessage(112, LogLevel.Information, "Acknowledging {Count} delivered message(s) in partition {Partition} failed ({Reason}); asked again in {PauseMs} ms")]
    public static partial void AcknowledgeRetried(ILogger logger, int count, int partition, long pauseMs, string reason);
}
