using MassTransit;

namespace Messaging.Scheduler.Delivery;

/// <summary>Consumes <see cref="ReceiveWarmUp" />'s probe on the bus endpoint, only while the warm-up runs, and does nothing with it.</summary>
internal sealed class ReceiveWarmUpConsumer : IConsumer<ReceiveWarmUp.Probe>
{
    public Task Consume(ConsumeContext<ReceiveWarmUp.Probe> context) => Task.CompletedTask;
}
