namespace Messaging.Scheduler.Cli.Tests;

/// <summary>The message the tool's tests schedule.</summary>
public sealed record CliProbe
{
    public int Number { get; init; }
}
