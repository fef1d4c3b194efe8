using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Messaging.Scheduler.Cli.Tests;

/// <summary>What the tool says about a bad command line and an unreachable Redis: one line, the exit code, no stack trace.
/// None of these reach a Redis with data (the token and option checks come before any connection).</summary>
public sealed class SchedulerCliInputTests
{
    static async Task<CliRun> Cli(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var elapsed = Stopwatch.StartNew();
        var code = await SchedulerCli.Run([.. args, "--prefix", $"test:{Guid.NewGuid():N}:"], output, error);
        return new CliRun(code, output.ToString(), error.ToString(), elapsed.Elapsed);
    }

    [Theory]
    [InlineData("show", "nope")]
    [InlineData("cancel", "12345")]
    [InlineData("recurring", "pause", "0f8fad5b-d9cb-469f-a165-70867728950")]
    public async Task A_token_that_is_not_a_GUID_exits_2_saying_what_a_token_looks_like(params string[] args)
    {
        var run = await Cli(args);

        Assert.Equal(CliExitCodes.BadInput, run.ExitCode);
        Assert.Contains("is not a valid token", run.Error, StringComparison.Ordinal);
        Assert.Contains("32 hex digits", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_options_and_bad_times_exit_2()
    {
        Assert.Equal(CliExitCodes.BadInput, (await Cli("list", "--no-such-option")).ExitCode);
        var badTime = await Cli("list", "--from", "yesterday-ish");
        Assert.Equal(CliExitCodes.BadInput, badTime.ExitCode);
        Assert.Contains("ISO-8601", badTime.Error, StringComparison.Ordinal);
        var badState = await Cli("list", "--state", "sleeping");
        Assert.Equal(CliExitCodes.BadInput, badState.ExitCode);
    }

    [Fact]
    public async Task An_unreachable_Redis_exits_3_quickly_naming_the_address_without_a_stack_trace()
    {
        int closed;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closed = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        using var output = new StringWriter();
        using var error = new StringWriter();
        var elapsed = Stopwatch.StartNew();
        var code = await SchedulerCli.Run(["stats", "--redis", $"127.0.0.1:{closed}", "--timeout", "1s"], output, error);
        elapsed.Stop();

        var message = error.ToString();
        Assert.True(code == CliExitCodes.RedisUnreachable, $"exit {code}: {message}");
        Assert.StartsWith($"cannot reach Redis at 127.0.0.1:{closed}: ", message, StringComparison.Ordinal);
        Assert.Contains("set ConnectionStrings__Redis or --redis", message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", message, StringComparison.Ordinal);
        Assert.Single(message.Trim().Split('\n'));
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(10), $"took {elapsed.Elapsed.TotalSeconds:0.0} s");
    }
}
