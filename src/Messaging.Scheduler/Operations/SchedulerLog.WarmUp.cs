using Microsoft.Extensions.Logging;

namespace Messaging.Scheduler.Operations;

/// <summary>The bridge's warm-up log events (ids 100-109).</summary>
internal static partial class SchedulerLog
{
    [LoggerMessage(100, LogLevel.Debug, "Warm-up: opened {Opened} of {Destinations} send endpoints at start, in {ElapsedMs} ms")]
    public static partial void WarmedUp(ILogger logger, int opened, int destinations, long elapsedMs);

    [LoggerMessage(101, LogLevel.Debug, "Warm-up: {What} was not warmed (its first delivery opens it): {Error}")]
    public static partial void WarmUpFailed(ILogger logger, string what, string error);

    [LoggerMessage(102, LogLevel.Debug, "Warm-up: a probe went through the bus endpoint's receive and consume path in {ElapsedMs} ms")]
    public static partial void ReceivePathWarmedUp(ILogger logger, long elapsedMs);
}
