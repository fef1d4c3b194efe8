using MassTransit;
using MassTransit.Scheduling;

namespace Messaging.Scheduler.Endpoint;

/// <summary>Puts <see cref="ScheduleMessageConsumer" /> on the scheduler endpoint, partitioned by token.</summary>
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
        SchedulerEndpointDefinition.Retry(consumerConfigurator);
        consumerConfigurator.Message<ScheduleMessage>(m => m.UsePartitioner(_endpoint.Partition, p => p.Message.CorrelationId));
        consumerConfigurator.Message<ScheduleRecurringMessage>(m =>
            m.UsePartitioner(_endpoint.Partition, p => RecurringDefinition.TokenFor(p.Message.Schedule.ScheduleId, p.Message.Schedule.ScheduleGroup)));
    }
}
