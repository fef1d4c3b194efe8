using MassTransit;

namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>Schedules a publish from inside a consumer, the way services use the scheduler.</summary>
public sealed class SchedulingConsumer : IConsumer<ScheduleFromConsumer>
{
    readonly DeliveryLog _log;

    public SchedulingConsumer(DeliveryLog log)
    {
        _log = log;
    }

    public async Task Consume(ConsumeContext<ScheduleFromConsumer> context)
    {
        var message = context.Message;
        if (message.RunId != _log.RunId)
            return;

        var scheduled = await context.SchedulePublish(TimeSpan.FromMilliseconds(message.DelayMilliseconds),
            new ProbeMessage { RunId = message.RunId, Number = message.Number, Text = "from a consumer" });
        _log.ScheduledFromConsumer(context.MessageId, context.ConversationId, scheduled.TokenId, scheduled.ScheduledTime);
    }
}
