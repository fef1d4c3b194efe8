using MassTransit;

namespace Messaging.Scheduler.Dashboard.Tests.Infrastructure;

/// <summary>Records the notes of its run.</summary>
public sealed class NoteConsumer(Received received) : IConsumer<Note>
{
    public Task Consume(ConsumeContext<Note> context)
    {
        if (context.Message.Run == received.Run)
            received.Add(context.Message.Number);
        return Task.CompletedTask;
    }
}
