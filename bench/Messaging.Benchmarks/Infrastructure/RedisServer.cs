using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Messaging.Benchmarks.Infrastructure;

/// <summary>
/// The benchmark's own <c>redis-server</c>: on a free loopback port, no persistence (<c>--save "" --appendonly no</c>),
/// <c>noeviction</c>, expired keyspace events on, data in a temporary folder. Its memory figures are clean because
/// nothing else writes to it. Stopped (by its PID) and its folder deleted when disposed.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    readonly Process _process;
    readonly string _folder;

    RedisServer(Process process, string folder, int port, ConnectionMultiplexer connection)
    {
        _process = process;
        _folder = folder;
        Port = port;
        Connection = connection;
    }

    public int Port { get; }

    public int Pid => _process.Id;

    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>The benchmark's own connection (for the SET ceiling, INFO, cleanup), separate from the scheduler's.</summary>
    public ConnectionMultiplexer Connection { get; }

    public IDatabase Database => Connection.GetDatabase();

    public IServer Server => Connection.GetServer(Connection.GetEndPoints()[0]);

    public static async Task<RedisServer> Start(CancellationToken cancellationToken)
    {
        var port = FreePort();
        var folder = Directory.CreateTempSubdirectory("messaging-bench-redis-").FullName;
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", folder,
            "--save", "", "--appendonly", "no", "--notify-keyspace-events", "Ex", "--maxmemory-policy", "noeviction",
            "--daemonize", "no", "--loglevel", "warning",
        ];
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Directory.Delete(folder, recursive: true);
            throw new InvalidOperationException("redis-server is not on the PATH: install it (apt-get install redis-server) or run ./scripts/bench.sh.", ex);
        }

        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"redis-server exited at start with code {process.ExitCode}");
            try
            {
                var connection = await ConnectionMultiplexer.ConnectAsync(
                    $"127.0.0.1:{port},allowAdmin=true,abortConnect=true,connectTimeout=2000,syncTimeout=30000,asyncTimeout=30000,name=bench");
                return new RedisServer(process, folder, port, connection);
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>One field of <c>INFO</c>, as text.</summary>
    public async Task<string> Info(string section, string field)
    {
        var groups = await Server.InfoAsync(section);
        foreach (var group in groups)
        {
            foreach (var pair in group)
            {
                if (pair.Key == field)
                    return pair.Value;
            }
        }

        throw new InvalidOperationException($"INFO {section} has no field {field}");
    }

    public async Task<long> UsedMemory() => long.Parse(await Info("memory", "used_memory"), CultureInfo.InvariantCulture);

    /// <summary>The Redis clock, Unix ms.</summary>
    public async Task<double> Time()
    {
        var time = (RedisResult[])(await Database.ExecuteAsync("TIME"))!;
        return (long)time[0] * 1000.0 + (long)time[1] / 1000.0;
    }

    /// <summary>Deletes every key under <paramref name="prefix" /> with SCAN + UNLINK, then waits for lazy freeing.</summary>
    /// <returns>How many keys were deleted.</returns>
    public async Task<long> DeletePrefix(string prefix, CancellationToken cancellationToken)
    {
        long deleted = 0;
        var batch = new List<RedisKey>(1000);
        await foreach (var key in Server.KeysAsync(pattern: prefix + "*", pageSize: 1000).WithCancellation(cancellationToken))
        {
            batch.Add(key);
            if (batch.Count == 1000)
            {
                deleted += await Unlink(batch);
                batch.Clear();
            }
        }

        if (batch.Count > 0)
            deleted += await Unlink(batch);

        await LazyFreeDone(cancellationToken);
        return deleted;
    }

    async Task<long> Unlink(List<RedisKey> keys) => (long)await Database.ExecuteAsync("UNLINK", keys.Cast<object>().ToArray());

    /// <summary>
    /// Waits until the bridge acknowledged everything it claimed under <paramref name="prefix" /> (the in-flight set is
    /// empty) and at most <paramref name="pending" /> entries wait: so that stopping the worker cancels no publish.
    /// </summary>
    /// <returns>False when that did not happen within 30 s.</returns>
    public async Task<bool> WaitSettled(string prefix, long pending, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var inFlight = await Database.SortedSetLengthAsync(prefix + "{0}:inflight");
            var due = await Database.SortedSetLengthAsync(prefix + "{0}:due");
            if (inFlight == 0 && due <= pending)
                return true;
            await Task.Delay(20, cancellationToken);
        }

        return false;
    }

    /// <summary>Waits until Redis has no objects left to free in the background (so that used_memory is settled).</summary>
    public async Task LazyFreeDone(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && await Info("memory", "lazyfree_pending_objects") != "0")
            await Task.Delay(50, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder left behind is harmless.
        }
    }
}
