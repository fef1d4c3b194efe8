using System.Collections.Concurrent;
using MassTransit;

namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>Counts the messages a bus sent (the bridge's republishes), by MessageId, once the broker confirmed them.</summary>
public sealed class SendCounter : ISendObserver
{
    readonly ConcurrentDictionary<Guid, int> _sent = new();

    public IReadOnlyDictionary<Guid, int> Sent => _sent;

    public Task PreSend<T>(SendContext<T> context) where T : class => Task.CompletedTask;

    public Task PostSend<T>(SendContext<T> context) where T : class
    {
        // The bridge's warm-up publish at start (to an exchange bound to nothing) is not a republish.
        if (context.DestinationAddress?.AbsolutePath.EndsWith("/redis-scheduler-warm-up", StringComparison.Ordinal) == true)
            return Task.CompletedTask;

        if (context.MessageId is { } id)
            _sent.AddOrUpdate(id, 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }

    public Task SendFault<T>(SendContext<T> context, Exception exception) where T : class => Task.CompletedTask;
}
