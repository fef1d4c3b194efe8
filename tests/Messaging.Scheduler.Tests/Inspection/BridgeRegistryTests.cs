using MassTransit;
using Messaging.Scheduler.Inspection;
using Messaging.Scheduler.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Scheduler.Tests.Inspection;

/// <summary><see cref="IRedisScheduledMessages.Bridges" />: a running bridge reports itself, with what it delivered and how
/// late; it is gone once it stops, and a bridge that died is dropped after a minute of silence.</summary>
public sealed class BridgeRegistryTests
{
    [Fact]
    public async Task A_running_bridge_is_listed_with_its_deliveries_and_is_gone_after_it_stops()
    {
        var bus = await TestBus.Start("bridges", s => s.Bridge = true);
        try
        {
            var api = bus.Services.GetRequiredService<IRedisScheduledMessages>();
            var started = DateTime.UtcNow;
            await Wait.Until(async () => (await api.Bridges()).Count == 1, TimeSpan.FromSeconds(10), "the bridge reported itself");
            var first = Assert.Single(await api.Bridges());
            Assert.Equal(Environment.ProcessId, first.ProcessId);
            Assert.Equal(Environment.MachineName, first.Host);
            Assert.Equal(0, first.Delivered);
            Assert.Null(first.LastClaimUtc);
            Assert.Null(first.LatenessP50);

            await bus.Scheduler.SchedulePublish(DateTime.UtcNow.AddMilliseconds(300), bus.Probe(1));
            await bus.Scheduler.SchedulePublish(DateTime.UtcNow.AddMilliseconds(300), bus.Probe(2));
            await bus.Log.WaitFor(2, TimeSpan.FromSeconds(15));

            SchedulerBridgeStatus? status = null;
            await Wait.Until(async () => (status = Assert.Single(await api.Bridges())).Delivered == 2, TimeSpan.FromSeconds(10),
                "the bridge reported its two deliveries");
            Assert.Equal(first.BridgeId, status!.BridgeId);
            Assert.NotNull(status.LastClaimUtc);
            Assert.InRange(status.LastClaimUtc.Value, started.AddSeconds(-5), DateTime.UtcNow.AddSeconds(5));
            Assert.NotNull(status.LatenessP50);
            Assert.InRange(status.LatenessP99!.Value, status.LatenessP50!.Value, TimeSpan.FromSeconds(5));
            Assert.InRange(status.LastSeenUtc, status.StartedUtc, DateTime.UtcNow.AddSeconds(5));
        }
        finally
        {
            await bus.DisposeAsync();
        }

        // The host is gone (and its connection): look with a connection of the test's own.
        var options = Microsoft.Extensions.Options.Options.Create(new RedisSchedulerOptions { Configuration = TestServers.Redis, KeyPrefix = bus.KeyPrefix });
        await using var connection = new RedisConnection(options);
        Assert.Empty(await new BridgeRegistry(connection, new RedisScheduleStore(connection, options)).List(CancellationToken.None));
    }

    [Fact]
    public async Task A_bridge_silent_for_a_minute_is_dropped_and_deleted()
    {
        var options = Microsoft.Extensions.Options.Options.Create(new RedisSchedulerOptions
        {
            Configuration = TestServers.Redis,
            KeyPrefix = TestServers.UniqueName("bridges-silent") + ":",
        });
        await using var connection = new RedisConnection(options);
        var store = new RedisScheduleStore(connection, options);
        var registry = new BridgeRegistry(connection, store);
        var db = await TestServers.RedisDatabase();

        await registry.Report("alive", new BridgeReport { Host = "h1", ProcessId = 1, Delivered = 5 });
        await registry.Report("dead", new BridgeReport { Host = "h2", ProcessId = 2 });
        var now = await TestServers.RedisNow(db);
        await db.SortedSetAddAsync(registry.Seen, "dead", now - 61_000);

        var bridges = await registry.List(CancellationToken.None);

        var alive = Assert.Single(bridges);
        Assert.Equal("alive", alive.BridgeId);
        Assert.Equal(5, alive.Delivered);
        Assert.False(await db.HashExistsAsync(registry.Reports, "dead"));
        Assert.Null(await db.SortedSetScoreAsync(registry.Seen, "dead"));

        await registry.Remove("alive");
        Assert.Empty(await registry.List(CancellationToken.None));
        Assert.False(await db.KeyExistsAsync(registry.Reports));
    }
}
