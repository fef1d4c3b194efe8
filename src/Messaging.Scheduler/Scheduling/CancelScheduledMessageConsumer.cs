using MassTransit;
using MassTransit.Scheduling;

namespace Messaging.Scheduler.Scheduling;

/// <summary>Cancels by token for services that send <see cref="CancelScheduledMessage" /> to the scheduler endpoint.</summary>
internal sealed class CancelScheduledMessageConsumer : IConsumer<CancelScheduledMessage>
{
    readonly ScheduleWriter _writer;

    public CancelScheduledMessageConsumer(ScheduleWriter writer)
    {
        _writer = writer;
    }

    public Task Consume(ConsumeContext<CancelScheduledMessage> context) => _writer.Cancel(context.Message.TokenId, ScheduleWriter.ToUtc(context.Message.Timestamp));
}
