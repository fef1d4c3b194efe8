using MassTransit;
using MassTransit.Scheduling;

namespace Messaging.Scheduler.Scheduling;

/// <summary>Puts <see cref="ScheduleMessageConsumer" /> on the scheduler endpoint, retrying a failed Redis write a few times
/// before the command faults (and goes to the endpoint's error queue, not lost).</summary>
internal sealed class ScheduleMessageConsumerDefinition : ConsumerDefinition<ScheduleMessageConsumer>
{
    readonly SchedulerEndpointDefinition _endpoint;

    public ScheduleMessageConsumerDefinition(SchedulerEndpointDefinition endpoint)
    {
        _endpoint = endpoint;
        EndpointDefinition = endpoint;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<ScheduleMessageConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        consumerConfigurator.UseMessageRetry(r => r.Exponential(5, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200)));
        consumerConfigurator.Message<ScheduleMessage>(m => m.UsePartitioner(_endpoint.Partition, p => p.Message.CorrelationId));
    }
}
