using MassTransit;
using MassTransit.Context;

namespace Messaging.Scheduler.Writing;

/// <summary>
/// Adds the Redis scheduler to every consume context, as MassTransit's own scheduler filters do, so that
/// <c>context.SchedulePublish</c>, <c>ScheduleSend</c> and <c>CancelScheduledSend</c> work inside consumers.
/// </summary>
internal sealed class RedisMessageSchedulerFilter : IFilter<ConsumeContext>
{
    readonly MessageSchedulerFactory _schedulerFactory;

    public RedisMessageSchedulerFilter(RedisSchedulerFactory factory)
    {
        _schedulerFactory = factory.Create;
    }

    public Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        context.GetOrAddPayload<MessageSchedulerContext>(() => new ConsumeMessageSchedulerContext(context, _schedulerFactory));
        return next.Send(context);
    }

    public void Probe(ProbeContext context)
    {
        var scope = context.CreateFilterScope("scheduler");
        scope.Add("type", "redis");
    }
}
