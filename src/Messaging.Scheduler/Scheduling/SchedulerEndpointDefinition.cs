using MassTransit;
using MassTransit.Middleware;

namespace Messaging.Scheduler.Scheduling;

/// <summary>
/// The scheduler endpoint's queue, named and sized by <see cref="RedisSchedulerEndpointOptions" />. Commands are
/// partitioned by token, so that a schedule and a cancel for the same token are handled in the order they arrived.
/// </summary>
internal sealed class SchedulerEndpointDefinition : IEndpointDefinition<ScheduleMessageConsumer>, IEndpointDefinition<CancelScheduledMessageConsumer>
{
    readonly RedisSchedulerEndpointOptions _options;

    public SchedulerEndpointDefinition(RedisSchedulerEndpointOptions options)
    {
        _options = options;
        Partition = new Partitioner(options.ConcurrentMessageLimit ?? options.PrefetchCount ?? 32, new Murmur3UnsafeHashGenerator());
    }

    public IPartitioner Partition { get; }

    public bool ConfigureConsumeTopology => true;
    public bool IsTemporary => false;
    public int? PrefetchCount => _options.PrefetchCount;
    public int? ConcurrentMessageLimit => _options.ConcurrentMessageLimit;

    public string GetEndpointName(IEndpointNameFormatter formatter) => _options.QueueName;

    public void Configure<T>(T configurator, IRegistrationContext? context)
        where T : IReceiveEndpointConfigurator
    {
    }
}
