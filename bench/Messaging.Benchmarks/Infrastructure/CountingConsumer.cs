using MassTransit;
using Messaging.Contracts;

namespace Messaging.Benchmarks.Infrastructure;

/// <summary>The worker's consumer in every workload: notes the receive time of each message and does nothing else.</summary>
internal sealed class CountingConsumer : IConsumer<SellerNotification>
{
    readonly RunTracker _tracker;

    public CountingConsumer(RunTracker tracker)
    {
        _tracker = tracker;
    }

    public Task Consume(ConsumeContext<SellerNotification> context)
    {
        _tracker.Record(context.Message.CorrelationKey, context.MessageId);
        return Task.CompletedTask;
    }
}
