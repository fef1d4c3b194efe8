namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>The message the tests schedule. <see cref="RunId" /> keeps one test's deliveries apart from another's:
/// the type's exchange is shared by every test bus.</summary>
public sealed record ProbeMessage
{
    public string RunId { get; init; } = string.Empty;
    public int Number { get; init; }
    public string Text { get; init; } = string.Empty;
}
