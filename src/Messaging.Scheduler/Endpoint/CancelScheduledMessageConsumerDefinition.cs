using MassTransit;
using MassTransit.Scheduling;

namespace Messaging.Scheduler.Endpoint;

/// <summary>Puts <see cref="CancelScheduledMessageConsumer" /> on the scheduler endpoint, partitioned by token.</summary>
internal sealed class CancelScheduledMessageConsumerDefinition : ConsumerDefinition<CancelScheduledMessageConsumer>
{
    readonly SchedulerEndpointDefinition _endpoint;

    public CancelScheduledMessageConsumerDefinition(SchedulerEndpointDefinition endpoint)
    {
        _endpoint = endpoint;
        EndpointDefinition = endpoint;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<CancelScheduledMessageConsumer> consumerConfigurator, IRegistrationContext context)
    {
        SchedulerEndpointDefinition.Retry(consumerConfigurator);
        consumerConfigurator.Message<CancelScheduledMessage>(m => m.UsePartitioner(_endpoint.Partition, p => p.Message.TokenId));
        consumerConfigurator.Message<CancelScheduledRecurringMessage>(m =>
            m.UsePartitioner(_endpoint.Partition, p => RecurringDefinition.TokenFor(p.Message.ScheduleId, p.Message.ScheduleGroup)));
    }
}
