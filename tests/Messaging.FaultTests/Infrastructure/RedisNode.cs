using System.Net.Sockets;
using Messaging.Testing;
using StackExchange.Redis;

namespace Messaging.FaultTests.Infrastructure;

/// <summary>
/// A <c>redis-server</c> of this program's own (a <see cref="RedisServerProcess" />): a loopback port of its own, its data
/// folder under the run's temporary folder, output appended to <c>redis.log</c> there, registered for clean-up while it
/// runs, so that it can be killed with SIGKILL and started again on the same data (AOF or RDB) like a crashed production
/// server.
/// </summary>
internal sealed class RedisNode : IAsyncDisposable
{
    readonly string _folder;
    readonly string[] _settings;
    RedisServerProcess? _process;
    IDisposable? _cleanup;
    readonly AdminConnection _admin;

    public RedisNode(string name, string folder, params string[] settings)
        : this(name, folder, PortAllocator.One(), settings)
    {
    }

    /// <summary>A node on a port chosen by the caller (a cluster node takes <see cref="PortAllocator.WithClusterBus" />).</summary>
    public RedisNode(string name, string folder, int port, params string[] settings)
    {
        Name = name;
        _folder = folder;
        _settings = settings;
        Port = port;
        Directory.CreateDirectory(folder);
        _admin = new AdminConnection(() =>
        {
            var options = ConfigurationOptions.Parse(Configuration);
            options.AbortOnConnectFail = true;
            options.SyncTimeout = 30_000;
            options.AsyncTimeout = 30_000;
            options.ConfigurationChannel = string.Empty;
            return options;
        });
    }

    public string Name { get; }
    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string the scheduler gets.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public int? Pid => _process?.Pid;

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts the server (again, on the same folder after a crash) and waits until it answers PING.</summary>
    public async Task Start(CancellationToken cancellationToken)
    {
        if (IsRunning)
            throw new InvalidOperationException($"{Name} is already running");
        if (_process != null)
            await _process.DisposeAsync();

        _process = null;
        string[] settings =
        [
            "--protected-mode", "yes", "--logfile", "", "--appendonly", "no", "--maxmemory-policy", "noeviction", "--notify-keyspace-events", "Ex",
            .. _settings,
        ];
        var process = await RedisServerProcess.Start(settings, Port, _folder, Path.Combine(_folder, "redis.log"), TimeSpan.FromSeconds(60), cancellationToken);
        _process = process;
        _cleanup = Cleanup.Register($"redis-server {Name} (pid {process.Pid})", () => process.Stop(TimeSpan.FromSeconds(10)));
    }

    /// <summary>SIGKILL: no shutdown, no last save, no fsync.</summary>
    public void Kill9()
    {
        _process?.Kill9();
        Unregister();
        DropAdmin();
    }

    public async Task Stop()
    {
        if (_process != null)
            await _process.Stop(TimeSpan.FromSeconds(20));
        Unregister();
        DropAdmin();
    }

    /// <summary>A connection for this program's own commands (never the scheduler's); made again after a restart.</summary>
    public Task<ConnectionMultiplexer> Admin() => _admin.Get();

    public async Task<IDatabase> Database() => (await Admin()).GetDatabase();

    public async Task<IServer> Server()
    {
        var admin = await Admin();
        return admin.GetServer(admin.GetEndPoints()[0]);
    }

    /// <summary>Runs a command on a fresh or live admin connection, retrying while the server restarts or loads.</summary>
    public async Task<T> Retry<T>(Func<IDatabase, Task<T>> command, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                return await command(await Database());
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or SocketException && DateTime.UtcNow < deadline)
            {
                DropAdmin();
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    /// <summary>Redis TIME in Unix microseconds.</summary>
    public async Task<long> TimeUs()
    {
        var time = (RedisResult[])(await (await Database()).ExecuteAsync("TIME"))!;
        return (long)time[0] * 1_000_000 + (long)time[1];
    }

    /// <summary>One section of INFO as name/value pairs.</summary>
    public async Task<Dictionary<string, string>> Info(string section)
    {
        var text = (string?)await (await Database()).ExecuteAsync("INFO", section) ?? string.Empty;
        return text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith('#') && l.Contains(':', StringComparison.Ordinal))
            .Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0], p => p[1]);
    }

    void Unregister()
    {
        _cleanup?.Dispose();
        _cleanup = null;
    }

    void DropAdmin() => _admin.Drop();

    public async ValueTask DisposeAsync()
    {
        await Stop();
        if (_process != null)
            await _process.DisposeAsync();
    }
}
