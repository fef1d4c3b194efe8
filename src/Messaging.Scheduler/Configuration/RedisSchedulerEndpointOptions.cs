namespace Messaging.Scheduler;

/// <summary>
/// The scheduler endpoint: the queue where services that only have stock MassTransit
/// (<c>UseMessageScheduler(new Uri("queue:scheduler"))</c>) send <c>ScheduleMessage</c> and <c>CancelScheduledMessage</c>.
/// Part of <see cref="RedisSchedulerOptions" /> (<see cref="RedisSchedulerOptions.Endpoint" />), bound from
/// <c>RedisScheduler:Endpoint</c>.
/// </summary>
public sealed class RedisSchedulerEndpointOptions
{
    /// <summary>The queue name (<c>RedisScheduler:Endpoint:QueueName</c>). Default: <c>scheduler</c>.</summary>
    public string QueueName { get; set; } = "scheduler";

    /// <summary>How many commands RabbitMQ hands the endpoint ahead. Default: 32.</summary>
    public int? PrefetchCount { get; set; } = 32;

    /// <summary>How many commands are written to Redis at once; null leaves it to the prefetch count. Default: null.</summary>
    public int? ConcurrentMessageLimit { get; set; }
}
