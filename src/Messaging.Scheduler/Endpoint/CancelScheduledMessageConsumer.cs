using MassTransit;
using MassTransit.Scheduling;

namespace Messaging.Scheduler.Endpoint;

/// <summary>Cancels by token (<see cref="CancelScheduledMessage" />) or by schedule (<see cref="CancelScheduledRecurringMessage" />)
/// for services that send them to the scheduler endpoint.</summary>
internal sealed class CancelScheduledMessageConsumer : IConsumer<CancelScheduledMessage>, IConsumer<CancelScheduledRecurringMessage>
{
    readonly ScheduleWriter _writer;

    public CancelScheduledMessageConsumer(ScheduleWriter writer)
    {
        _writer = writer;
    }

    public Task Consume(ConsumeContext<CancelScheduledMessage> context) => _writer.Cancel(context.Message.TokenId, ScheduleWriter.ToUtc(context.Message.Timestamp));

    public Task Consume(ConsumeContext<CancelScheduledRecurringMessage> context) =>
        _writer.ChangeRecurring(context.Message.ScheduleId, context.Message.ScheduleGroup, RecurringChange.Cancel);
}
