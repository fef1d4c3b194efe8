using System.Diagnostics;
using System.Globalization;
using System.Net;
using Messaging.Testing;
using StackExchange.Redis;

namespace Messaging.FaultTests.Infrastructure;

/// <summary>
/// A Redis Cluster of this program's own: 3 primaries and 3 replicas, plain <c>redis-server --cluster-enabled yes</c>
/// processes (<see cref="RedisNode" />s on ports from <see cref="PortAllocator.WithClusterBus" />) joined with
/// <c>redis-cli --cluster create --cluster-replicas 1</c>, with a short <c>cluster-node-timeout</c> so that a replica takes
/// over a killed primary within a few seconds. Stopped (every node) when disposed.
/// </summary>
internal sealed class RedisClusterNodes : IAsyncDisposable
{
    public const int NodeTimeoutMs = 1500;

    readonly List<RedisNode> _nodes = [];
    readonly AdminConnection _admin;

    RedisClusterNodes()
    {
        _admin = new AdminConnection(() =>
        {
            var options = ConfigurationOptions.Parse(string.Join(",", _nodes.Where(n => n.IsRunning).Select(n => n.Configuration)));
            options.AbortOnConnectFail = false;
            options.SyncTimeout = 10_000;
            options.AsyncTimeout = 10_000;
            return options;
        });
    }

    public IReadOnlyList<RedisNode> Nodes => _nodes;

    /// <summary>Every node, as the StackExchange.Redis configuration string the scheduler gets.</summary>
    public string Configuration => string.Join(",", _nodes.Select(n => n.Configuration));

    public static async Task<RedisClusterNodes> Start(string folder, CancellationToken cancellationToken)
    {
        var cluster = new RedisClusterNodes();
        try
        {
            for (var i = 0; i < 6; i++)
            {
                var node = new RedisNode($"cluster-{i}", Path.Combine(folder, $"node-{i}"), PortAllocator.WithClusterBus(), "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", NodeTimeoutMs.ToString(CultureInfo.InvariantCulture), "--cluster-require-full-coverage", "no",
                    "--appendonly", "yes", "--appendfsync", "everysec");
                cluster._nodes.Add(node);
            }

            await Task.WhenAll(cluster._nodes.Select(n => n.Start(cancellationToken)));
            await RedisCli(["--cluster", "create", .. cluster._nodes.Select(n => n.Configuration), "--cluster-replicas", "1", "--cluster-yes"], cancellationToken);
            await cluster.WaitHealthy(TimeSpan.FromSeconds(60), cancellationToken);
            await cluster.WaitReplicasInSync(TimeSpan.FromSeconds(60), cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until every running node says <c>cluster_state:ok</c> and 3 primaries serve all 16384 slots.</summary>
    public async Task WaitHealthy(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var last = "";
        var ok = await Wait.TryUntil(async () =>
        {
            foreach (var node in _nodes.Where(n => n.IsRunning))
            {
                var info = await ClusterInfo(node);
                last = $"{node.Configuration}: cluster_state {info.GetValueOrDefault("cluster_state")}, slots_ok {info.GetValueOrDefault("cluster_slots_ok")}";
                if (info.GetValueOrDefault("cluster_state") != "ok" || info.GetValueOrDefault("cluster_slots_ok") != "16384")
                    return false;
            }

            return true;
        }, timeout, cancellationToken, TimeSpan.FromMilliseconds(250));
        if (!ok)
            throw new TimeoutException($"the cluster did not become healthy within {timeout.TotalSeconds:0} s ({last})");
        DropAdmin();
    }

    /// <summary>
    /// Waits until every primary has its replica in sync (<c>INFO replication</c>: one replica, <c>state=online</c>). A new
    /// replica's first, full sync waits for <c>repl-diskless-sync-delay</c> (5 s): a scenario with <c>WaitForReplicas = 1</c>
    /// that starts its load before then has every call refused with <c>NotReplicated</c> until it ends.
    /// </summary>
    async Task WaitReplicasInSync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var last = "";
        var ok = await Wait.TryUntil(async () =>
        {
            var primaries = 0;
            foreach (var node in _nodes.Where(n => n.IsRunning))
            {
                var info = await Info(node, "replication");
                if (info.GetValueOrDefault("role") != "master")
                    continue;
                primaries++;
                last = $"{node.Configuration}: connected_slaves {info.GetValueOrDefault("connected_slaves")}, {info.GetValueOrDefault("slave0")}";
                if (info.GetValueOrDefault("connected_slaves") != "1" || info.GetValueOrDefault("slave0")?.Contains("state=online", StringComparison.Ordinal) != true)
                    return false;
            }

            return primaries == 3;
        }, timeout, cancellationToken, TimeSpan.FromMilliseconds(250));
        if (!ok)
            throw new TimeoutException($"the cluster's replicas were not in sync within {timeout.TotalSeconds:0} s ({last})");
    }

    static Task<Dictionary<string, string>> ClusterInfo(RedisNode node) => Fields(node, "cluster", "info");

    static Task<Dictionary<string, string>> Info(RedisNode node, string section) => Fields(node, "info", section);

    /// <summary>The <c>field:value</c> lines a node answers to <paramref name="command" /> (<c>INFO</c>, <c>CLUSTER INFO</c>);
    /// empty when it does not answer.</summary>
    static async Task<Dictionary<string, string>> Fields(RedisNode node, params string[] command)
    {
        try
        {
            var text = await RedisCli(["-p", node.Port.ToString(CultureInfo.InvariantCulture), .. command], CancellationToken.None);
            return text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Where(l => l.Contains(':', StringComparison.Ordinal) && !l.StartsWith('#')).Select(l => l.Split(':', 2)).ToDictionary(p => p[0], p => p[1]);
        }
        catch (InvalidOperationException)
        {
            return [];
        }
    }

    /// <summary>One node, for commands that must run on it (CLUSTER, SCAN, MIGRATE).</summary>
    public async Task<IServer> Server(RedisNode node) => (await Admin()).GetServer(new IPEndPoint(IPAddress.Loopback, node.Port));

    /// <summary>A cluster connection for this program's own commands; made again after a topology change.</summary>
    public Task<ConnectionMultiplexer> Admin() => _admin.Get();

    /// <summary>Forgets the admin connection (after a failover or a reshard), so that the next one reads the topology afresh.</summary>
    public void DropAdmin() => _admin.Drop();

    /// <summary>The primaries that run now, as the running nodes' <c>CLUSTER NODES</c> says: node id and node.</summary>
    public async Task<List<(string Id, RedisNode Node)>> Primaries()
    {
        var any = _nodes.First(n => n.IsRunning);
        var text = (string?)await (await Server(any)).ExecuteAsync("CLUSTER", "NODES") ?? "";
        if (text.StartsWith("txt:", StringComparison.Ordinal))
            text = text[4..]; // a verbatim string (RESP3)
        var primaries = new List<(string, RedisNode)>();
        foreach (var line in text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            if (!fields[2].Contains("master", StringComparison.Ordinal) || fields[2].Contains("fail", StringComparison.Ordinal))
                continue;
            var port = int.Parse(fields[1].Split('@')[0].Split(':')[1], CultureInfo.InvariantCulture);
            if (_nodes.FirstOrDefault(n => n.Port == port && n.IsRunning) is { } node)
                primaries.Add((fields[0], node));
        }

        return primaries;
    }

    /// <summary>The running primary that serves <paramref name="slot" />.</summary>
    public async Task<(string Id, RedisNode Node)> OwnerOf(int slot)
    {
        foreach (var (id, node) in await Primaries())
        {
            var slots = (RedisResult[])(await (await Server(node)).ExecuteAsync("CLUSTER", "SLOTS"))!;
            foreach (var range in slots)
            {
                var r = (RedisResult[])range!;
                if ((long)r[0] <= slot && slot <= (long)r[1] && (int)((RedisResult[])r[2]!)[1] == node.Port)
                    return (id, node);
            }
        }

        throw new InvalidOperationException($"no running primary serves slot {slot}");
    }

    /// <summary>Every key matching <paramref name="pattern" /> on every running primary (SCAN).</summary>
    public async Task<List<RedisKey>> Keys(string pattern)
    {
        var keys = new List<RedisKey>();
        foreach (var (_, node) in await Primaries())
        {
            var server = await Server(node);
            await foreach (var key in server.KeysAsync(pattern: pattern, pageSize: 1000))
                keys.Add(key);
        }

        return keys;
    }

    /// <summary>
    /// Moves one slot, with its keys, from the primary that serves it to <paramref name="target" />: the documented
    /// sequence (SETSLOT IMPORTING on the target, MIGRATING on the source, MIGRATE the keys in batches, SETSLOT NODE on
    /// every primary). Clients meanwhile get ASK and TRYAGAIN redirections.
    /// </summary>
    public async Task MoveSlot(int slot, (string Id, RedisNode Node) target, CancellationToken cancellationToken)
    {
        var source = await OwnerOf(slot);
        if (source.Id == target.Id)
            throw new InvalidOperationException($"slot {slot} is already on {target.Node.Configuration}");
        var sourceDb = await Server(source.Node);
        var targetDb = await Server(target.Node);
        await targetDb.ExecuteAsync("CLUSTER", "SETSLOT", slot, "IMPORTING", source.Id);
        await sourceDb.ExecuteAsync("CLUSTER", "SETSLOT", slot, "MIGRATING", target.Id);
        while (!cancellationToken.IsCancellationRequested)
        {
            var keys = (RedisResult[])(await sourceDb.ExecuteAsync("CLUSTER", "GETKEYSINSLOT", slot, 100))!;
            if (keys.Length == 0)
                break;
            object[] args = ["127.0.0.1", target.Node.Port, "", 0, 10_000, "KEYS", .. keys.Select(k => (object)(string)k!)];
            await sourceDb.ExecuteAsync("MIGRATE", args, CommandFlags.None);
        }

        foreach (var (_, node) in await Primaries())
            await (await Server(node)).ExecuteAsync("CLUSTER", "SETSLOT", slot, "NODE", target.Id);
        DropAdmin();
    }

    /// <summary>The hash slot of a key (CRC16 of its hash tag), as the cluster computes it.</summary>
    public async Task<int> SlotOf(RedisKey key) => (await Admin()).GetHashSlot(key);

    static async Task<string> RedisCli(string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("redis-cli did not start");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"redis-cli {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output} {await error}");
        return await output;
    }

    public async ValueTask DisposeAsync()
    {
        DropAdmin();
        foreach (var node in _nodes)
            await node.DisposeAsync();
    }
}
