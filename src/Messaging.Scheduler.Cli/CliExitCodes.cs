namespace Messaging.Scheduler.Cli;

/// <summary>The tool's exit codes.</summary>
public static class CliExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>Something else went wrong (the message says what).</summary>
    public const int Failed = 1;

    /// <summary>The command line or a value on it is not valid: a token that is not a GUID, a bad time, an unknown option.</summary>
    public const int BadInput = 2;

    /// <summary>Redis cannot be reached.</summary>
    public const int RedisUnreachable = 3;

    /// <summary>No message (or recurring schedule, or dead letter) is stored under the token.</summary>
    public const int NotFound = 4;

    /// <summary>The message is being delivered right now (in flight): it was not changed.</summary>
    public const int TooLate = 5;
}
