using MassTransit;

namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>Records every <see cref="ProbeMessage" /> of its run, with the Redis clock at the moment it was consumed.</summary>
public sealed class ProbeConsumer : IConsumer<ProbeMessage>
{
    readonly DeliveryLog _log;

    public ProbeConsumer(DeliveryLog log)
    {
        _log = log;
    }

    public Task Consume(ConsumeContext<ProbeMessage> context) =>
        context.Message.RunId == _log.RunId ? _log.Record(context) : Task.CompletedTask;
}
