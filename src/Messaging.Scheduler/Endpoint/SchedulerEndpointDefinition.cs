using MassTransit;
using MassTransit.Middleware;
using Microsoft.Extensions.Options;

namespace Messaging.Scheduler.Endpoint;

/// <summary>
/// The scheduler endpoint's queue, named and sized by <see cref="RedisSchedulerOptions.Endpoint" />. Commands are
/// partitioned by token, so that a schedule and a cancel for the same token are handled in the order they arrived.
/// </summary>
internal sealed class SchedulerEndpointDefinition : IEndpointDefinition<ScheduleMessageConsumer>, IEndpointDefinition<CancelScheduledMessageConsumer>,
    IEndpointDefinition<PauseScheduledMessageConsumer>
{
    readonly RedisSchedulerEndpointOptions _options;

    public SchedulerEndpointDefinition(IOptions<RedisSchedulerOptions> options)
    {
        _options = options.Value.Endpoint;
        Partition = new Partitioner(_options.ConcurrentMessageLimit ?? _options.PrefetchCount ?? 32, new Murmur3UnsafeHashGenerator());
    }

    public IPartitioner Partition { get; }

    /// <summary>Retries a failed Redis write a few times before the command faults (to the endpoint's error queue, not
    /// lost); a command that can never succeed (an invalid cron expression or time zone, a missing destination, a message over
    /// the size limit) faults at once, with the error that says why.</summary>
    public static void Retry<TConsumer>(IConsumerConfigurator<TConsumer> consumer)
        where TConsumer : class =>
        consumer.UseMessageRetry(r =>
        {
            r.Ignore<ArgumentException>();
            r.Ignore<MessageTooLargeException>();
            r.Exponential(5, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200));
        });

    public bool ConfigureConsumeTopology => true;
    public bool IsTemporary => false;
    public int? PrefetchCount => _options.PrefetchCount;
    public int? ConcurrentMessageLimit => _options.ConcurrentMessageLimit;

    public string GetEndpointName(IEndpointNameFormatter formatter) => _options.QueueName;

    /// <summary>Besides MassTransit's envelope, the endpoint reads commands sent as raw JSON (<c>application/json</c>, by a
    /// service whose bus uses <c>UseRawJsonSerializer</c>), as any endpoint configured for it would.</summary>
    public void Configure<T>(T configurator, IRegistrationContext? context)
        where T : IReceiveEndpointConfigurator =>
        configurator.UseRawJsonDeserializer(RawSerializerOptions.Default, isDefault: false);
}
