using MassTransit;

namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>
/// Holds the bus's send of one message (by MessageId) before it reaches the broker, until <see cref="Open" />: a
/// destination whose publish hangs. Every other send goes through untouched.
/// </summary>
public sealed class SendGate : ISendObserver
{
    readonly Guid _messageId;
    readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SendGate(Guid messageId)
    {
        _messageId = messageId;
    }

    /// <summary>Whether the held message's send has started and is waiting at the gate (or went through).</summary>
    public bool Reached => _reached.Task.IsCompleted;

    /// <summary>Lets the held send go on to the broker.</summary>
    public void Open() => _open.TrySetResult();

    public async Task PreSend<T>(SendContext<T> context) where T : class
    {
        if (context.MessageId != _messageId)
            return;

        _reached.TrySetResult();
        await _open.Task;
    }

    public Task PostSend<T>(SendContext<T> context) where T : class => Task.CompletedTask;

    public Task SendFault<T>(SendContext<T> context, Exception exception) where T : class => Task.CompletedTask;
}
