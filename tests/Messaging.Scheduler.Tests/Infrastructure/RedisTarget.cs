using StackExchange.Redis;

namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>
/// Which Redis a test class runs against: the single Redis (<see cref="TestServers.Redis" />) or the local Redis Cluster
/// (<see cref="TestServers.RedisCluster" />, with <see cref="ClusterPartitions" /> partitions, which land on all three
/// primaries). A test class takes one and derives a <c>Cluster…</c> class that runs the same tests on the cluster.
/// </summary>
public sealed class RedisTarget
{
    /// <summary>The partitions a test on the cluster uses: two per primary of the local 3-primary cluster.</summary>
    public const int ClusterPartitions = 6;

    RedisTarget(bool cluster)
    {
        IsCluster = cluster;
    }

    /// <summary>The single Redis, with the scheduler's default partitions (unless a test sets its own).</summary>
    public static RedisTarget Single { get; } = new(false);

    /// <summary>The local Redis Cluster (3 primaries, 3 replicas), with <see cref="ClusterPartitions" /> partitions.</summary>
    public static RedisTarget Cluster { get; } = new(true);

    public bool IsCluster { get; }

    /// <summary>The StackExchange.Redis configuration string.</summary>
    public string Configuration => IsCluster ? TestServers.RedisCluster : TestServers.Redis;

    /// <summary>The partitions to use: <see cref="ClusterPartitions" /> on the cluster, else <paramref name="single" />.</summary>
    public int Partitions(int single = 1) => IsCluster ? ClusterPartitions : single;

    /// <summary>A shared connection's database, for the test's own reads and writes.</summary>
    public Task<IDatabase> Database() => TestServers.RedisDatabase(Configuration);

    /// <summary><see cref="TestBus.Start" /> on this Redis (and, on the cluster, with <see cref="ClusterPartitions" />
    /// partitions); <paramref name="configure" /> runs after, and may change either.</summary>
    public Task<TestBus> Start(string testName, Action<TestBusSettings>? configure = null) => TestBus.Start(testName, settings =>
    {
        settings.Redis = Configuration;
        if (IsCluster)
            settings.Partitions = ClusterPartitions;
        configure?.Invoke(settings);
    });

    public override string ToString() => IsCluster ? "Redis Cluster " + Configuration : "Redis " + Configuration;
}
