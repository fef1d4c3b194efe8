using MassTransit.Scheduling;

namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>The message the tests schedule. <see cref="RunId" /> keeps one test's deliveries apart from another's:
/// the type's exchange is shared by every test bus.</summary>
public sealed record ProbeMessage
{
    // MassTransit's token-id convention, set before the first ProbeMessage exists (the convention is fixed at first use):
    // a message with a TokenId is scheduled under it; without one, under a new token.
    static ProbeMessage() => ScheduleTokenId.UseTokenId<ProbeMessage>(message => message.TokenId);

    public string RunId { get; init; } = string.Empty;
    public int Number { get; init; }
    public string Text { get; init; } = string.Empty;

    /// <summary>The scheduling token, by MassTransit's token-id convention; null: a new token each time.</summary>
    public Guid? TokenId { get; init; }
}
