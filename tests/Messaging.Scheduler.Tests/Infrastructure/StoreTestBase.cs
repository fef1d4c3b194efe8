using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>A test class that works on the Redis store directly: its own key prefix per test, a store with the given
/// options, and a plain connection to look at the keys.</summary>
public abstract class StoreTestBase : IAsyncLifetime
{
    readonly string _name;

    /// <param name="name">The start of each test's key prefix.</param>
    /// <param name="options">The scheduler options (the prefix is set per test).</param>
    protected StoreTestBase(string name, RedisSchedulerOptions options)
    {
        _name = name;
        SchedulerOptions = options;
    }

    internal RedisSchedulerOptions SchedulerOptions { get; }
    internal RedisConnection Connection { get; private set; } = null!;
    internal RedisScheduleStore Store { get; private set; } = null!;
    internal IDatabase Db { get; private set; } = null!;
    /// <summary>The partition a test works on: the only one, or (with several, e.g. on a Redis Cluster) one picked at random
    /// per test, so that the tests of a run use every partition and so every primary; <see cref="NewToken" /> makes tokens
    /// that live in it.</summary>
    internal PartitionKeys Partition => Store.Keyspace.Partitions[_partition];

    int _partition;

    public async Task InitializeAsync()
    {
        SchedulerOptions.KeyPrefix = TestServers.UniqueName(_name) + ":";
        Connection = new RedisConnection(Options.Create(SchedulerOptions));
        Store = new RedisScheduleStore(Connection, Options.Create(SchedulerOptions));
        Db = await TestServers.RedisDatabase(SchedulerOptions.Configuration);
        _partition = Random.Shared.Next(Store.Keyspace.Partitions.Count);
    }

    /// <summary>A new random token that lives in <see cref="Partition" />.</summary>
    internal Guid NewToken()
    {
        for (var i = 0; i < 10_000; i++)
        {
            var token = Guid.NewGuid();
            if (Store.Keyspace.For(token).Partition == Partition.Partition)
                return token;
        }

        throw new InvalidOperationException($"No random token out of 10,000 landed in partition {Partition.Partition} of {Store.Keyspace.Partitions.Count}.");
    }

    public async Task DisposeAsync() => await Connection.DisposeAsync();

    /// <summary>A message the store keeps whole (its body is not a MassTransit envelope).</summary>
    internal static StoredMessage Message(string text = "body") =>
        new(new Uri("rabbitmq://localhost/exchange"), "application/vnd.masstransit+json", new Dictionary<string, object>(), System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Now, by the Redis clock.</summary>
    protected async Task<DateTime> RedisUtc() => DateTime.UnixEpoch.AddMilliseconds(await TestServers.RedisNow(Db));
}
