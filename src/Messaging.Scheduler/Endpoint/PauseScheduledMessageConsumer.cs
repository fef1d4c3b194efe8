using MassTransit;
using MassTransit.Scheduling;

namespace Messaging.Scheduler.Endpoint;

/// <summary>Pauses and resumes recurring schedules for services that send the commands to the scheduler endpoint.</summary>
internal sealed class PauseScheduledMessageConsumer : IConsumer<PauseScheduledRecurringMessage>, IConsumer<ResumeScheduledRecurringMessage>
{
    readonly ScheduleWriter _writer;

    public PauseScheduledMessageConsumer(ScheduleWriter writer)
    {
        _writer = writer;
    }

    public Task Consume(ConsumeContext<PauseScheduledRecurringMessage> context) =>
        _writer.ChangeRecurring(context.Message.ScheduleId, context.Message.ScheduleGroup, RecurringChange.Pause);

    public Task Consume(ConsumeContext<ResumeScheduledRecurringMessage> context) =>
        _writer.ChangeRecurring(context.Message.ScheduleId, context.Message.ScheduleGroup, RecurringChange.Resume);
}
