using System.Globalization;
using Messaging.Testing;
using StackExchange.Redis;

namespace Messaging.Benchmarks.Infrastructure;

/// <summary>
/// The benchmark's own <c>redis-server</c>: on a free loopback port, no persistence (<c>--save "" --appendonly no</c>),
/// <c>noeviction</c>, expired keyspace events on, data in a temporary folder. Its memory figures are clean because
/// nothing else writes to it. Stopped (by its PID) and its folder deleted when disposed.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    readonly RedisServerProcess _process;

    RedisServer(RedisServerProcess process, ConnectionMultiplexer connection)
    {
        _process = process;
        Connection = connection;
    }

    public int Port => _process.Port;

    public int Pid => _process.Pid;

    public string Configuration => _process.Configuration;

    /// <summary>The benchmark's own connection (for the SET ceiling, INFO, cleanup), separate from the scheduler's.</summary>
    public ConnectionMultiplexer Connection { get; }

    public IDatabase Database => Connection.GetDatabase();

    public IServer Server => Connection.GetServer(Connection.GetEndPoints()[0]);

    public static async Task<RedisServer> Start(CancellationToken cancellationToken)
    {
        var process = await RedisServerProcess.Start(
            ["--appendonly", "no", "--notify-keyspace-events", "Ex", "--maxmemory-policy", "noeviction", "--loglevel", "warning",
                "--latency-monitor-threshold", "2"],
            cancellationToken: cancellationToken);
        try
        {
            var connection = await ConnectionMultiplexer.ConnectAsync(
                $"{process.Configuration},allowAdmin=true,abortConnect=true,connectTimeout=2000,syncTimeout=30000,asyncTimeout=30000,name=bench");
            return new RedisServer(process, connection);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
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
    public Task<bool> WaitSettled(string prefix, long pending, CancellationToken cancellationToken) =>
        Wait.TryUntil(async () =>
        {
            var inFlight = await Database.SortedSetLengthAsync(prefix + "{0}:inflight");
            var due = await Database.SortedSetLengthAsync(prefix + "{0}:due");
            return inFlight == 0 && due <= pending;
        }, TimeSpan.FromSeconds(30), cancellationToken, TimeSpan.FromMilliseconds(20));

    /// <summary>Waits until Redis has no objects left to free in the background (so that used_memory is settled).</summary>
    public Task LazyFreeDone(CancellationToken cancellationToken) =>
        Wait.TryUntil(async () => await Info("memory", "lazyfree_pending_objects") == "0", TimeSpan.FromSeconds(60), cancellationToken,
            TimeSpan.FromMilliseconds(50));

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        await _process.DisposeAsync();
    }
}
