using MassTransit;
using MassTransit.Scheduling;

namespace Messaging.Scheduler.Endpoint;

/// <summary>
/// The scheduler endpoint's way in: stores the message a <see cref="ScheduleMessage" /> command carries (sent by a
/// service configured with stock MassTransit's <c>UseMessageScheduler</c>) through the same <see cref="ScheduleWriter" />
/// as the direct provider. The command is acknowledged only after Redis acknowledged the write; the same token again
/// replaces the entry. <see cref="ScheduleRecurringMessage" /> stores a recurring schedule the same way.
/// </summary>
internal sealed class ScheduleMessageConsumer : IConsumer<ScheduleMessage>, IConsumer<ScheduleRecurringMessage>
{
    readonly ScheduleWriter _writer;

    public ScheduleMessageConsumer(ScheduleWriter writer)
    {
        _writer = writer;
    }

    public Task Consume(ConsumeContext<ScheduleMessage> context) => _writer.Schedule(context);

    public Task Consume(ConsumeContext<ScheduleRecurringMessage> context) => _writer.ScheduleRecurring(context);
}
