namespace Messaging.Consumers.Tests.Infrastructure;

/// <summary>One call to <see cref="ISmsSender.Send" />, as <see cref="RecordingSmsSender" /> saw it.</summary>
public sealed record SmsSent(string Channel, string CorrelationKey, string Recipient, string Text, DateTime AtUtc);
