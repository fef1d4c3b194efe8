using Microsoft.Extensions.Logging;

namespace Messaging.Scheduler.Operations;

/// <summary>The idempotent consumer's log events (ids 70-79).</summary>
internal static partial class SchedulerLog
{
    [LoggerMessage(70, LogLevel.Information, "{Consumer} already consumed message {MessageId}: acknowledged without running it again")]
    public static partial void AlreadyConsumed(ILogger logger, string consumer, Guid messageId);

    [LoggerMessage(71, LogLevel.Information, "{Consumer} is consuming message {MessageId} elsewhere: this copy waits until it is done or its lease runs out")]
    public static partial void ConsumeWaits(ILogger logger, string consumer, Guid messageId);

    [LoggerMessage(73, LogLevel.Warning, "{Consumer} runs message {MessageId} without the idempotency check: Redis could not be reached in time (a copy of it may run twice)")]
    public static partial void ConsumeUnchecked(ILogger logger, Exception exception, string consumer, Guid messageId);

    [LoggerMessage(74, LogLevel.Warning, "{Consumer} could not write its mark for message {MessageId} (Redis could not be reached): a copy of it may run again once the lease runs out")]
    public static partial void ConsumeMarkNotWritten(ILogger logger, Exception exception, string consumer, Guid messageId);

    [LoggerMessage(72, LogLevel.Warning, "{Consumer} could not renew its lease on the message it consumes: a copy may run on another worker once it runs out")]
    public static partial void ConsumeLeaseNotRenewed(ILogger logger, Exception exception, string consumer);
}
