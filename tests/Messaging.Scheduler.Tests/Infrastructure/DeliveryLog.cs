using System.Collections.Concurrent;
using MassTransit;

namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>What one test bus consumed, to wait on and assert against.</summary>
public sealed class DeliveryLog
{
    readonly ConcurrentQueue<Delivery> _deliveries = new();
    readonly ConcurrentQueue<(Guid? MessageId, Guid? ConversationId, Guid TokenId, DateTime ScheduledTime)> _fromConsumer = new();

    public DeliveryLog(string runId)
    {
        RunId = runId;
    }

    public string RunId { get; }

    public IReadOnlyList<Delivery> Deliveries => _deliveries.ToArray();

    public IReadOnlyList<(Guid? MessageId, Guid? ConversationId, Guid TokenId, DateTime ScheduledTime)> FromConsumer => _fromConsumer.ToArray();

    public async Task Record(ConsumeContext<ProbeMessage> context)
    {
        var now = await TestServers.RedisNow(await TestServers.RedisDatabase());
        var headers = context.Headers.GetAll().ToDictionary(h => h.Key, h => h.Value);
        _deliveries.Enqueue(new Delivery(context.Message, context.MessageId, context.CorrelationId, context.ConversationId, context.InitiatorId,
            headers, context.DestinationAddress, now));
    }

    public void ScheduledFromConsumer(Guid? messageId, Guid? conversationId, Guid tokenId, DateTime scheduledTime) =>
        _fromConsumer.Enqueue((messageId, conversationId, tokenId, scheduledTime));

    public Task WaitFor(int count, TimeSpan timeout) =>
        Wait.Until(() => _deliveries.Count >= count, timeout, $"{count} deliveries arrived (got {_deliveries.Count})");

    public Delivery Single(int number) => Assert.Single(Deliveries, d => d.Message.Number == number);
}
