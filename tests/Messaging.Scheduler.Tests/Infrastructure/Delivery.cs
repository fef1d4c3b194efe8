namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>One consumed <see cref="ProbeMessage" />, as the consumer saw it.</summary>
public sealed record Delivery(
    ProbeMessage Message,
    Guid? MessageId,
    Guid? CorrelationId,
    Guid? ConversationId,
    Guid? InitiatorId,
    IReadOnlyDictionary<string, object> Headers,
    Uri? DestinationAddress,
    long RedisTimeMs);
