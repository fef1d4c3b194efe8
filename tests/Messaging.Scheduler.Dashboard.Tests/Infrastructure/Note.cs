namespace Messaging.Scheduler.Dashboard.Tests.Infrastructure;

/// <summary>The message the dashboard tests schedule; <see cref="Run" /> keeps one test's deliveries apart.</summary>
public sealed record Note
{
    public string Run { get; init; } = string.Empty;
    public int Number { get; init; }
}
