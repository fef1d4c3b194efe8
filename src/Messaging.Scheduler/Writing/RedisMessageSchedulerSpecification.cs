using MassTransit;
using MassTransit.Configuration;

namespace Messaging.Scheduler.Writing;

/// <summary>Adds <see cref="RedisMessageSchedulerFilter" /> to the consume pipe.</summary>
internal sealed class RedisMessageSchedulerSpecification : IPipeSpecification<ConsumeContext>
{
    readonly RedisSchedulerFactory _factory;

    public RedisMessageSchedulerSpecification(RedisSchedulerFactory factory)
    {
        _factory = factory;
    }

    public void Apply(IPipeBuilder<ConsumeContext> builder) => builder.AddFilter(new RedisMessageSchedulerFilter(_factory));

    public IEnumerable<ValidationResult> Validate()
    {
        yield break;
    }
}
