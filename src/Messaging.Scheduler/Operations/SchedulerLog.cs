using Microsoft.Extensions.Logging;

namespace Messaging.Scheduler.Operations;

/// <summary>The scheduler's log events. Message bodies are never logged: they hold phone numbers.</summary>
internal static partial class SchedulerLog
{
    [LoggerMessage(1, LogLevel.Debug, "Scheduled {Channel} message {TokenId} for {DueTime:O} (due in {UntilDueMs:0} ms by the Redis clock) to {Destination}")]
    public static partial void Scheduled(ILogger logger, string channel, Guid tokenId, DateTime dueTime, double untilDueMs, Uri destination);

    [LoggerMessage(2, LogLevel.Information, "Cancelled scheduled message {TokenId}")]
    public static partial void Cancelled(ILogger logger, Guid tokenId);

    [LoggerMessage(3, LogLevel.Warning, "Too late to cancel scheduled message {TokenId}: a bridge has already claimed it and is delivering it")]
    public static partial void CancelTooLate(ILogger logger, Guid tokenId);

    [LoggerMessage(4, LogLevel.Debug, "Nothing to cancel for token {TokenId}: it was never scheduled, or was already delivered or cancelled")]
    public static partial void CancelNotFound(ILogger logger, Guid tokenId);

    [LoggerMessage(10, LogLevel.Information, "Redis scheduler bridge is running: prefix '{Prefix}', {Partitions} partition(s), Redis {Redis}, keyspace events {KeyspaceEvents}")]
    public static partial void BridgeRunning(ILogger logger, string prefix, int partitions, string redis, string keyspaceEvents);

    [LoggerMessage(11, LogLevel.Information, "Redis scheduler bridge stopped")]
    public static partial void BridgeStopped(ILogger logger);

    [LoggerMessage(12, LogLevel.Debug, "Delivered {Channel} message {Token} to {Destination}, {LatenessMs} ms after it was due")]
    public static partial void Delivered(ILogger logger, string channel, string token, Uri destination, long latenessMs);

    [LoggerMessage(13, LogLevel.Warning, "Delivery of {Channel} message {Token} failed (attempt {Attempt}); it is due again in {RetryDelayMs} ms")]
    public static partial void DeliveryFailed(ILogger logger, Exception exception, string channel, string token, long attempt, long retryDelayMs);

    [LoggerMessage(14, LogLevel.Error, "Scheduled message {Token} moved to the dead-letter set: {Reason}")]
    public static partial void DeadLettered(ILogger logger, string token, string reason);

    [LoggerMessage(15, LogLevel.Warning, "The claim on message {Token} was lost before it was acknowledged (its lease ran out or it was rescheduled); it may be delivered again")]
    public static partial void ClaimLost(ILogger logger, string token);

    [LoggerMessage(16, LogLevel.Warning, "The bridge cannot reach Redis to claim due messages; it tries again in {RetryDelayMs} ms")]
    public static partial void ClaimFailed(ILogger logger, Exception exception, long retryDelayMs);

    [LoggerMessage(17, LogLevel.Warning, "The bus is not healthy ({Status}): due messages stay in Redis until it is")]
    public static partial void BusUnavailable(ILogger logger, string status);

    [LoggerMessage(18, LogLevel.Warning, "Took back {Count} message(s) in partition {Partition} whose bridge let its lease run out; they are delivered now")]
    public static partial void Reclaimed(ILogger logger, long count, int partition);

    [LoggerMessage(19, LogLevel.Warning, "Scheduled message {Token} expired at {ExpirationTime:O} before it could be delivered; the broker will discard it")]
    public static partial void ExpiredBeforeDelivery(ILogger logger, string token, DateTime expirationTime);

    [LoggerMessage(20, LogLevel.Information, "Enabled Redis keyspace 'expired' events (notify-keyspace-events was '{Before}', now '{After}')")]
    public static partial void KeyspaceEventsEnabled(ILogger logger, string before, string after);

    [LoggerMessage(21, LogLevel.Warning, "Redis keyspace 'expired' events are off ({Detail}). Delivery does not depend on them: the bridge sweeps the due index at least every {SweepMs} ms, so messages may be up to that late when a wake-up is missed. To get them, set 'notify-keyspace-events Ex' in redis.conf (or your provider's parameter group)")]
    public static partial void KeyspaceEventsUnavailable(ILogger logger, string detail, long sweepMs);

    [LoggerMessage(22, LogLevel.Error, "The Redis scheduler bridge failed unexpectedly; it starts again in {RetryDelayMs} ms")]
    public static partial void BridgeFault(ILogger logger, Exception exception, long retryDelayMs);

    [LoggerMessage(23, LogLevel.Warning, "{Problem}")]
    public static partial void UnsafeServerSetting(ILogger logger, string problem);

    [LoggerMessage(24, LogLevel.Warning, "Could not acknowledge {Count} delivered message(s) in partition {Partition}: they stay in flight, and are delivered again (with the same MessageId) when their lease runs out")]
    public static partial void AcknowledgeFailed(ILogger logger, Exception exception, int count, int partition);

    [LoggerMessage(25, LogLevel.Warning, "Could not record in Redis what became of message {Token}: it stays in flight, and is delivered again when its lease runs out")]
    public static partial void OutcomeNotRecorded(ILogger logger, Exception exception, string token);

    [LoggerMessage(5, LogLevel.Information, "Did not store the schedule command for {TokenId}: a cancel command sent after it was handled first")]
    public static partial void ScheduleSuperseded(ILogger logger, Guid tokenId);

    [LoggerMessage(30, LogLevel.Information, "Scheduled recurring schedule {ScheduleGroup}/{ScheduleId} ('{CronExpression}' in {TimeZone}); first occurrence {First:O}")]
    public static partial void RecurringScheduled(ILogger logger, string scheduleGroup, string scheduleId, string cronExpression, string timeZone, DateTimeOffset first);

    [LoggerMessage(31, LogLevel.Warning, "Recurring schedule {ScheduleGroup}/{ScheduleId} ('{CronExpression}') has no occurrence before its end time: nothing was scheduled")]
    public static partial void RecurringHasNoOccurrence(ILogger logger, string scheduleGroup, string scheduleId, string cronExpression);

    [LoggerMessage(32, LogLevel.Information, "Recurring schedule {ScheduleGroup}/{ScheduleId}: {Action} (found: {Found})")]
    public static partial void RecurringChanged(ILogger logger, string scheduleGroup, string scheduleId, string action, bool found);

    [LoggerMessage(33, LogLevel.Error, "The definition of recurring schedule {Token} cannot be read ({Reason}); the occurrence was delivered and the schedule ends here")]
    public static partial void RecurringUnreadable(ILogger logger, string token, string reason);

    [LoggerMessage(34, LogLevel.Information, "Recurring schedule {ScheduleGroup}/{ScheduleId} ended with its occurrence of {Last:O} (end time {EndTime:O})")]
    public static partial void RecurringEnded(ILogger logger, string scheduleGroup, string scheduleId, DateTimeOffset last, DateTimeOffset? endTime);
    // 40-49: a broker that blocks the bus's connection.

    [LoggerMessage(40, LogLevel.Warning, "RabbitMQ blocked the bus's connection ({Reason}): the bridge claims nothing until it is unblocked, and waits for the publishes the broker holds without giving them back")]
    public static partial void ConnectionBlocked(ILogger logger, string reason);

    [LoggerMessage(41, LogLevel.Information, "RabbitMQ's block of the bus's connection ended ({Why}) after {BlockedMs} ms")]
    public static partial void ConnectionUnblocked(ILogger logger, string why, long blockedMs);

    [LoggerMessage(42, LogLevel.Debug, "Cannot watch the bus's RabbitMQ connection for connection.blocked now ({Reason}); trying again on the bridge's next turn")]
    public static partial void ConnectionNotWatched(ILogger logger, string reason);

    [LoggerMessage(43, LogLevel.Information, "The {Count} publish(es) held while the connection was blocked ended {WaitedMs} ms after it was unblocked; claiming again")]
    public static partial void ClaimingAfterBlock(ILogger logger, int count, long waitedMs);

    // 50-59: Redis faults (timeouts whose outcome is unknown, the memory limit).

    [LoggerMessage(50, LogLevel.Warning, "A claim on partition {Partition} failed after it may have reached Redis (attempt {Attempt}, {ElapsedMs} ms after the first): asking again with the same claim id, so that what it took is delivered now rather than after its lease. {Detail}")]
    public static partial void ClaimTimedOut(ILogger logger, int partition, int attempt, long elapsedMs, string detail);

    [LoggerMessage(51, LogLevel.Information, "A claim on partition {Partition} was answered at attempt {Attempt}, {ElapsedMs} ms after the first: {Count} message(s)")]
    public static partial void ClaimAnsweredAfterRetry(ILogger logger, int partition, int attempt, long elapsedMs, int count);

    [LoggerMessage(52, LogLevel.Warning, "Could not schedule {Channel} message {TokenId} ({Outcome}): {Reason}")]
    public static partial void ScheduleFailed(ILogger logger, string channel, Guid tokenId, RedisSchedulerCallOutcome outcome, string reason);
}
