using Microsoft.Extensions.Logging;

namespace Messaging.Scheduler.Operations;

/// <summary>The bridge's report of itself (ids 90-94).</summary>
internal static partial class SchedulerLog
{
    [LoggerMessage(90, LogLevel.Debug, "Bridge {BridgeId} could not report itself to Redis (it tries again in {IntervalMs} ms): {Error}")]
    public static partial void BridgeReportFailed(ILogger logger, string bridgeId, long intervalMs, string error);
}
