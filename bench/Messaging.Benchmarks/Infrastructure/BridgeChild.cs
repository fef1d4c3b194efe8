using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Threading.Channels;

namespace Messaging.Benchmarks.Infrastructure;

/// <summary>
/// One bridge process of the scaling workload, as its parent sees it: this benchmark program re-executed in its
/// <c>--bridge-process</c> mode (<see cref="BridgeProcess" />). Its warnings go to this process's standard error with
/// its number; it is stopped by closing its standard input, and killed by its PID when it does not exit within a minute.
/// </summary>
internal sealed class BridgeChild : IAsyncDisposable
{
    readonly Process _process;
    readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    BridgeChild(Process process, int number)
    {
        _process = process;
        Number = number;
        Pid = process.Id;
    }

    public int Number { get; }

    public int Pid { get; }

    public static BridgeChild Start(int number, string redis, string prefix, int partitions, Uri rabbitMq)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("the benchmark's own executable is unknown");
        var start = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Run as `dotnet Messaging.Benchmarks.dll`: the program again, through the host that started this one.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var argument in new[] { BridgeProcess.Flag, redis, prefix, partitions.ToString(CultureInfo.InvariantCulture), rabbitMq.ToString() })
            start.ArgumentList.Add(argument);

        var process = Process.Start(start) ?? throw new InvalidOperationException("the bridge process did not start");
        var child = new BridgeChild(process, number);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data != null)
                child._lines.Writer.TryWrite(e.Data);
            else
                child._lines.Writer.TryComplete();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data != null)
                Console.Error.WriteLine($"[bridge {number}, pid {child.Pid}] {e.Data}");
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits until the process printed READY (its bridge made a first claim).</summary>
    public async Task WaitReady(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var line = await NextLine(timeout, cancellationToken);
        if (line != BridgeProcess.Ready)
            throw new BenchmarkFailedException($"bridge process {Number} (pid {Pid}) answered '{line}' instead of {BridgeProcess.Ready}");
    }

    /// <summary>Asks for its counts.</summary>
    public async Task<BridgeStats> Stats(CancellationToken cancellationToken)
    {
        await _process.StandardInput.WriteLineAsync(BridgeStats.Tag.AsMemory(), cancellationToken);
        await _process.StandardInput.FlushAsync(cancellationToken);
        return BridgeStats.Parse(await NextLine(TimeSpan.FromSeconds(30), cancellationToken));
    }

    async Task<string> NextLine(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(timeout);
        try
        {
            return await _lines.Reader.ReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new BenchmarkFailedException($"bridge process {Number} (pid {Pid}) did not answer within {timeout.TotalSeconds:0} s");
        }
        catch (ChannelClosedException)
        {
            throw new BenchmarkFailedException($"bridge process {Number} (pid {Pid}) ended its output (exited: {_process.HasExited})");
        }
    }

    /// <summary>Stops it: closes its standard input (it stops its host and exits), and kills it by PID after a minute.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // It exited already.
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"[bench] bridge process {Number} (pid {Pid}) did not exit within 60 s of its stop; killing it");
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
