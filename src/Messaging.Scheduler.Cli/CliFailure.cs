namespace Messaging.Scheduler.Cli;

/// <summary>A failure the tool reports as one line on standard error with its own exit code, without a stack trace.</summary>
internal sealed class CliFailure : Exception
{
    public CliFailure(int exitCode, string message, Exception? inner = null)
        : base(message, inner)
    {
        ExitCode = exitCode;
    }

    public int ExitCode { get; }
}
