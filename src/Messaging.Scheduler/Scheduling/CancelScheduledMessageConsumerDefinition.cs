using MassTransit;
using MassTransit.Scheduling;

namespace Messaging.Scheduler.Scheduling;

/// <summary>Puts <see cref="CancelScheduledMessageConsumer" /> on the scheduler endpoint, beside the schedule consumer.</summary>
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
        consumerConfigurator.UseMessageRetry(r => r.Exponential(5, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(200)));
        consumerConfigurator.Message<CancelScheduledMessage>(m => m.UsePartitioner(_endpoint.Partition, p => p.Message.TokenId));
    }
}
