using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Messaging.Testing;
using StackExchange.Redis;

namespace Messaging.Benchmarks.Infrastructure;

/// <summary>
/// The scaling workload's own Redis Cluster: <c>primaries</c> plain <c>redis-server --cluster-enabled yes</c> processes on
/// free loopback ports from 7200 to 7299 (each with its cluster bus port, + 10,000, free too), no replicas, no persistence,
/// joined with <c>redis-cli --cluster create --cluster-yes</c>. Stopped by PID, with their folders deleted, when disposed.
/// </summary>
internal sealed class RedisCluster : IAsyncDisposable
{
    const int FirstPort = 7200;
    const int LastPort = 7299;

    readonly List<RedisServerProcess> _nodes;

    RedisCluster(List<RedisServerProcess> nodes, ConnectionMultiplexer connection)
    {
        _nodes = nodes;
        Connection = connection;
    }

    /// <summary>The primaries, in port order.</summary>
    public IReadOnlyList<RedisServerProcess> Nodes => _nodes;

    /// <summary>The StackExchange.Redis configuration string listing every primary.</summary>
    public string Configuration => string.Join(',', _nodes.Select(n => n.Configuration));

    /// <summary>The benchmark's own connection to the cluster (key counts, INFO, cleanup).</summary>
    public ConnectionMultiplexer Connection { get; }

    public static async Task<RedisCluster> Start(int primaries, CancellationToken cancellationToken)
    {
        var nodes = new List<RedisServerProcess>();
        ConnectionMultiplexer? connection = null;
        try
        {
            foreach (var port in FreePorts(primaries))
            {
                nodes.Add(await RedisServerProcess.Start(
                [
                    "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000",
                    "--appendonly", "no", "--notify-keyspace-events", "Ex", "--maxmemory-policy", "noeviction", "--loglevel", "warning",
                ], port, cancellationToken: cancellationToken));
            }

            await Create(nodes, cancellationToken);
            foreach (var node in nodes)
            {
                var ok = await Wait.TryUntil(async () => (await RedisCli(["-p", node.Port.ToString(CultureInfo.InvariantCulture), "cluster", "info"], cancellationToken))
                    .Contains("cluster_state:ok", StringComparison.Ordinal), TimeSpan.FromSeconds(30), cancellationToken, TimeSpan.FromMilliseconds(100));
                if (!ok)
                    throw new InvalidOperationException($"the cluster node on port {node.Port} did not reach cluster_state:ok within 30 s");
            }

            connection = await ConnectionMultiplexer.ConnectAsync(
                $"{string.Join(',', nodes.Select(n => n.Configuration))},allowAdmin=true,abortConnect=true,connectTimeout=5000,syncTimeout=30000,asyncTimeout=30000,name=bench-cluster");
            return new RedisCluster(nodes, connection);
        }
        catch
        {
            if (connection != null)
                await connection.DisposeAsync();
            foreach (var node in nodes)
                await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>The index (in <see cref="Nodes" />) of the primary that serves <paramref name="key" />'s slot.</summary>
    public int PrimaryOf(RedisKey key)
    {
        var slot = Connection.GetHashSlot(key);
        var server = Connection.GetServer(Connection.GetEndPoints()[0]);
        var node = server.ClusterConfiguration?.GetBySlot(slot) ?? throw new InvalidOperationException($"no cluster node serves slot {slot}");
        var port = node.EndPoint switch
        {
            IPEndPoint ip => ip.Port,
            DnsEndPoint dns => dns.Port,
            _ => -1,
        };
        var index = _nodes.FindIndex(n => n.Port == port);
        return index >= 0 ? index : throw new InvalidOperationException($"slot {slot} is served by {node.EndPoint}, not one of the cluster's own nodes");
    }

    /// <summary>The server of the primary at <paramref name="index" />.</summary>
    public IServer Server(int index) => Connection.GetServer(IPAddress.Loopback, _nodes[index].Port);

    /// <summary>Resets INFO commandstats on every primary.</summary>
    public async Task ResetStats()
    {
        for (var i = 0; i < _nodes.Count; i++)
            await Server(i).ConfigResetStatisticsAsync();
    }

    /// <summary>The calls and microseconds of one command in <c>INFO commandstats</c> of a primary (0, 0 when absent).</summary>
    public async Task<(long Calls, long Usec)> CommandStats(int index, string command)
    {
        var groups = await Server(index).InfoAsync("commandstats");
        foreach (var pair in groups.SelectMany(g => g))
        {
            if (pair.Key != "cmdstat_" + command)
                continue;
            long calls = 0, usec = 0;
            foreach (var part in pair.Value.Split(','))
            {
                var kv = part.Split('=');
                if (kv.Length != 2)
                    continue;
                if (kv[0] == "calls")
                    calls = long.Parse(kv[1], CultureInfo.InvariantCulture);
                else if (kv[0] == "usec")
                    usec = long.Parse(kv[1], CultureInfo.InvariantCulture);
            }

            return (calls, usec);
        }

        return (0, 0);
    }

    /// <summary>Deletes every key under <paramref name="prefix" /> on every primary (SCAN, then UNLINK key by key: keys of
    /// different slots cannot share one command).</summary>
    public async Task<long> DeletePrefix(string prefix)
    {
        long deleted = 0;
        var db = Connection.GetDatabase();
        for (var i = 0; i < _nodes.Count; i++)
        {
            await foreach (var key in Server(i).KeysAsync(pattern: prefix + "*", pageSize: 1000))
                deleted += await db.KeyDeleteAsync(key, CommandFlags.FireAndForget) ? 1 : 0;
        }

        return deleted;
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        foreach (var node in _nodes)
            await node.DisposeAsync();
    }

    static async Task Create(List<RedisServerProcess> nodes, CancellationToken cancellationToken)
    {
        var output = await RedisCli(["--cluster", "create", .. nodes.Select(n => n.Configuration), "--cluster-replicas", "0", "--cluster-yes"], cancellationToken);
        if (!output.Contains("[OK] All 16384 slots covered", StringComparison.Ordinal))
            throw new InvalidOperationException($"redis-cli --cluster create did not cover every slot:{Environment.NewLine}{output}");
    }

    static async Task<string> RedisCli(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("redis-cli did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return await stdout + await stderr;
    }

    /// <summary>Ports from 7200 to 7299 where the port and its cluster bus port (+ 10,000) can both be bound now.</summary>
    static List<int> FreePorts(int count)
    {
        var ports = new List<int>();
        for (var port = FirstPort; port <= LastPort && ports.Count < count; port++)
        {
            if (CanBind(port) && CanBind(port + 10_000))
                ports.Add(port);
        }

        return ports.Count == count ? ports : throw new InvalidOperationException($"fewer than {count} free port pairs between {FirstPort} and {LastPort} (and + 10,000)");
    }

    static bool CanBind(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
