namespace Messaging.Scheduler;

/// <summary>
/// Settings of the idempotent-consumer filter (<c>c.UseRedisIdempotentConsumer(context)</c>): a message already consumed
/// successfully, by MessageId, is acknowledged without running the consumer again. Uses the scheduler's Redis connection.
/// </summary>
public sealed class RedisIdempotentConsumerOptions
{
    /// <summary>The configuration section these options bind from: <c>RedisScheduler:IdempotentConsumer</c>.</summary>
    public const string SectionName = RedisSchedulerOptions.SectionName + ":IdempotentConsumer";

    /// <summary>
    /// The prefix of the marks, followed by the consumer's type name and the MessageId. Letters, digits and <c>:_-.</c>
    /// only. Default: null, which is the scheduler's <see cref="RedisSchedulerOptions.KeyPrefix" /> followed by <c>consumed:</c>.
    /// </summary>
    public string? KeyPrefix { get; set; }

    /// <summary>How long a message is remembered as consumed: a copy that arrives later runs the consumer again. Default: 7 days.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long a consumer holds the message while it runs (renewed every third of it while it runs): a copy that arrives
    /// on another worker meanwhile waits. When the worker dies mid-consume, the copy runs once this has passed. Default: 30 s.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a message waits for Redis when the mark cannot be read (Redis restarting, unreachable) before its consumer
    /// runs without the check: a message is never failed or lost because of the filter, at the price of a possible
    /// duplicate while Redis is away (logged as a warning). Default: 10 s.
    /// </summary>
    public TimeSpan UnavailableTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a copy that waits for another worker's consumer looks again. Default: 100 ms.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);
}
