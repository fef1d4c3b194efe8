using MassTransit;
using MassTransit.Scheduling;

namespace Messaging.Scheduler.Writing;

/// <summary>
/// Makes the <see cref="IMessageScheduler" /> that writes to Redis: one per consume context (so that a message scheduled
/// from a consumer carries the conversation and initiator of the message being consumed), or one for code outside consumers.
/// </summary>
internal sealed class RedisSchedulerFactory
{
    readonly ScheduleWriter _writer;

    public RedisSchedulerFactory(ScheduleWriter writer)
    {
        _writer = writer;
    }

    /// <summary>For <see cref="MessageSchedulerFactory" />: the scheduler of a consume context.</summary>
    public IMessageScheduler Create(ConsumeContext context) =>
        new MessageScheduler(new RedisScheduleMessageProvider(_writer, context.ReceiveContext.InputAddress, context, context.ReceiveContext.SendEndpointProvider),
            CachedPublishAddresses.Of(context.GetPayload<IBusTopology>()));

    /// <summary>The scheduler of code outside consumers (or inside, when a consume context is given).</summary>
    public IMessageScheduler Create(IBus bus, ConsumeContext? context) =>
        new MessageScheduler(new RedisScheduleMessageProvider(_writer, bus.Address, context, context?.ReceiveContext.SendEndpointProvider ?? bus),
            CachedPublishAddresses.Of(bus.Topology));
}
