using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Scheduler.Cli;

/// <summary>
/// The <c>scheduler</c> command-line tool: <c>stats</c>, <c>list</c>, <c>show</c>, <c>find</c>, <c>cancel</c>,
/// <c>reschedule</c>, <c>run-now</c>, <c>dead list|requeue|delete</c> and <c>recurring list|pause|resume|run-now|cancel</c>,
/// on <see cref="IRedisScheduledMessages" /> only. Exit codes: <see cref="CliExitCodes" />.
/// </summary>
public static class SchedulerCli
{
    /// <summary>Runs the tool in this process, writing to <paramref name="output" /> and <paramref name="error" />.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="output">Results (tables, JSON).</param>
    /// <param name="error">Errors and progress.</param>
    /// <param name="interactive">Whether <paramref name="error" /> is a terminal: progress rewrites one line in place.</param>
    /// <param name="cancellationToken">Stops the command.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> Run(string[] args, TextWriter output, TextWriter error, bool interactive = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        var root = new Commands(output, error, interactive).Root;
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
        {
            foreach (var problem in parse.Errors)
                await error.WriteLineAsync(problem.Message).ConfigureAwait(false);
            await error.WriteLineAsync("Run 'scheduler --help' (or 'scheduler <command> --help') for the usage.").ConfigureAwait(false);
            return CliExitCodes.BadInput;
        }

        var invocation = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="body" /> on a session, turning the failures the tool knows into a line and an exit code.</summary>
    internal static async Task<int> Guarded(TextWriter error, Func<Task<int>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (CliFailure ex)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ex.ExitCode;
        }
        catch (OptionsValidationException ex)
        {
            await error.WriteLineAsync("The scheduler settings are not valid: " + ex.Message).ConfigureAwait(false);
            return CliExitCodes.BadInput;
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return CliExitCodes.BadInput;
        }
        catch (NotImplementedException ex)
        {
            await error.WriteLineAsync("This command is not available in this build of the scheduler library: " + ex.Message).ConfigureAwait(false);
            return CliExitCodes.Failed;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("Cancelled.").ConfigureAwait(false);
            return CliExitCodes.Failed;
        }
    }

    /// <summary>Whether <paramref name="ex" /> (or one inside it) says Redis could not be reached, and why.</summary>
    internal static bool Unreachable(Exception ex, out string reason)
    {
        for (var e = ex; e != null; e = e.InnerException)
        {
            if (e is RedisConnectionException or RedisTimeoutException or RedisSchedulerUnavailableException or SocketException)
            {
                var inner = e;
                while (inner.InnerException != null)
                    inner = inner.InnerException;
                reason = e is RedisConnectionException connection && inner == e
                    ? Describe(connection.FailureType)
                    : e is RedisTimeoutException && inner == e ? "no answer in time (timeout)" : FirstSentence(inner.Message);
                return true;
            }
        }

        reason = "";
        return false;
    }

    static string Describe(ConnectionFailureType failure) => failure switch
    {
        ConnectionFailureType.UnableToConnect or ConnectionFailureType.UnableToResolvePhysicalConnection =>
            "no connection could be made (is Redis running there?)",
        ConnectionFailureType.AuthenticationFailure => "authentication failed (check the password or user in the configuration)",
        ConnectionFailureType.SocketFailure or ConnectionFailureType.SocketClosed => "the connection failed",
        _ => failure.ToString(),
    };

    static string FirstSentence(string text)
    {
        var line = text.Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] + "…" : line;
    }

    internal static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
