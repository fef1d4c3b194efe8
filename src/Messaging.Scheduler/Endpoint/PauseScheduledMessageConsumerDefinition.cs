using MassTransit;
using MassTransit.Scheduling;

namespace Messaging.Scheduler.Endpoint;

/// <summary>Puts <see cref="PauseScheduledMessageConsumer" /> on the scheduler endpoint, partitioned by schedule.</summary>
internal sealed class PauseScheduledMessageConsumerDefinition : ConsumerDefinition<PauseScheduledMessageConsumer>
{
    readonly SchedulerEndpointDefinition _endpoint;

    public PauseScheduledMessageConsumerDefinition(SchedulerEndpointDefinition endpoint)
    {
        _endpoint = endpoint;
        EndpointDefinition = endpoint;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<PauseScheduledMessageConsumer> consumerConfigurator, IRegistrationContext context)
    {
        SchedulerEndpointDefinition.Retry(consumerConfigurator);
        consumerConfigurator.Message<PauseScheduledRecurringMessage>(m =>
            m.UsePartitioner(_endpoint.Partition, p => RecurringDefinition.TokenFor(p.Message.ScheduleId, p.Message.ScheduleGroup)));
        consumerConfigurator.Message<ResumeScheduledRecurringMessage>(m =>
            m.UsePartitioner(_endpoint.Partition, p => RecurringDefinition.TokenFor(p.Message.ScheduleId, p.Message.ScheduleGroup)));
    }
}
