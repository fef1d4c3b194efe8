namespace Messaging.Consumers.Tests.Infrastructure;

/// <summary>One call to <see cref="ISmsSender.Send" />, as <see cref="RecordingSmsSender" /> saw it.</summary>
/// <param name="IdempotencyKey">The MessageId the consumer passed as the gateway's idempotency key.</param>
public sealed record SmsSent(string Channel, string CorrelationKey, string Recipient, string Text, DateTime AtUtc, Guid IdempotencyKey = default);
