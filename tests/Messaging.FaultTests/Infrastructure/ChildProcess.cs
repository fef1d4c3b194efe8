using System.Diagnostics;
using Messaging.Testing;

namespace Messaging.FaultTests.Infrastructure;

/// <summary>
/// A process this program started and owns: its output goes to a log file (through <c>sh -c 'exec ...'</c>, so the PID
/// is the program's own), it is registered for clean-up at once, and it can be killed with SIGKILL or stopped with SIGTERM.
/// </summary>
internal sealed class ChildProcess
{
    /// <summary>Environment variables a child must not inherit from whoever ran this program.</summary>
    static readonly string[] ScrubbedPrefixes = ["RABBITMQ_", "ERL_", "REDIS", "ConnectionStrings__", "RedisScheduler__"];

    readonly Process _process;
    readonly IDisposable _cleanup;

    ChildProcess(string name, Process process, string logFile)
    {
        Name = name;
        _process = process;
        LogFile = logFile;
        Pid = process.Id;
        StartedUs = Clock.NowUs();
        _cleanup = Cleanup.Register($"{name} (pid {Pid})", () => Stop(TimeSpan.FromSeconds(10)));
    }

    public string Name { get; }
    public int Pid { get; }
    public string LogFile { get; }
    public long StartedUs { get; }

    public bool HasExited => Posix.HasExited(_process);

    public int? ExitCode => HasExited ? _process.ExitCode : null;

    public static ChildProcess Start(string name, string program, IEnumerable<string> arguments, string logFile,
        IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
        var start = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(logFile)!,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$0\" \"$@\" >>\"$FAULT_CHILD_LOG\" 2>&1 </dev/null");
        start.ArgumentList.Add(program);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);

        foreach (var key in start.Environment.Keys.ToArray())
        {
            if (ScrubbedPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal)))
                start.Environment.Remove(key);
        }

        start.Environment["FAULT_CHILD_LOG"] = logFile;
        if (environment != null)
        {
            foreach (var (key, value) in environment)
                start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        return new ChildProcess(name, process, logFile);
    }

    /// <summary>SIGKILL, then waits until the process is gone: the crash of the scenarios.</summary>
    public void Kill9()
    {
        Posix.Kill9(_process);
        _cleanup.Dispose();
    }

    public async Task<bool> WaitForExit(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return HasExited;
        }
    }

    /// <summary>SIGTERM, and SIGKILL when it is still alive after <paramref name="grace" />.</summary>
    public async Task Stop(TimeSpan grace)
    {
        if (!HasExited)
        {
            Posix.Kill(Pid, Posix.SigTerm);
            if (!await WaitForExit(grace))
                Kill9();
        }

        _cleanup.Dispose();
    }

    /// <summary>The last lines of the log, for error messages.</summary>
    public string Tail(int lines = 30)
    {
        try
        {
            var all = File.ReadAllLines(LogFile);
            return string.Join(Environment.NewLine, all.Skip(Math.Max(0, all.Length - lines)));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }
}
