namespace Messaging.Scheduler.Cli.Tests;

/// <summary>What one run of the tool printed and returned.</summary>
public sealed record CliRun(int ExitCode, string Output, string Error, TimeSpan Elapsed)
{
    public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalMilliseconds:0} ms\n--- output\n{Output}\n--- error\n{Error}";
}
