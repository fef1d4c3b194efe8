using System.Diagnostics;
using Messaging.Scheduler.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Scheduler.Tests.Cluster;

/// <summary>
/// Keyspace events are local to the node whose key expired: on a Redis Cluster the trigger listener must hear the
/// <c>expired</c> event of a trigger key on every primary, not only on the node its subscription happens to use.
/// </summary>
public sealed class ClusterKeyspaceEventTests
{
    [Fact]
    public async Task A_trigger_key_expiring_on_any_primary_wakes_the_listener_not_before_its_expiry_and_within_2_s()
    {
        var options = Options.Create(new RedisSchedulerOptions
        {
            Configuration = TestServers.RedisCluster,
            KeyPrefix = TestServers.UniqueName("cluster-events") + ":",
            Partitions = RedisTarget.ClusterPartitions,
            SweepInterval = TimeSpan.FromSeconds(30),
        });
        await using var connection = new RedisConnection(options);
        var store = new RedisScheduleStore(connection, options);
        var signal = new WakeSignal();
        var listener = new TriggerListener(connection, options, store, signal, NullLogger<TriggerListener>.Instance);
        Assert.Equal("on", await listener.Start());
        try
        {
            var multiplexer = await connection.Get();
            var db = multiplexer.GetDatabase();

            // One partition on each primary.
            var byPrimary = store.Keyspace.Partitions
                .GroupBy(p => multiplexer.GetServer(p.Due).EndPoint.ToString())
                .ToDictionary(g => g.Key!, g => g.First(), StringComparer.Ordinal);
            Assert.Equal(3, byPrimary.Count);

            foreach (var (primary, partition) in byPrimary.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                // Nothing left over from the subscription or from the primary before.
                await signal.Wait(TimeSpan.Zero, TimeProvider.System, CancellationToken.None);

                var trigger = partition.Trigger("SELLER", Guid.NewGuid().ToString("N"));
                var ttl = TimeSpan.FromMilliseconds(500);
                var clock = Stopwatch.StartNew();
                Assert.True(await db.StringSetAsync(trigger, "", ttl));
                Assert.Equal(primary, multiplexer.GetServer(trigger).EndPoint.ToString());

                var woken = await signal.Wait(TimeSpan.FromSeconds(10), TimeProvider.System, CancellationToken.None);
                var after = clock.Elapsed;
                Assert.True(woken, $"no expired event from primary {primary} (partition {partition.Partition}, key {trigger}) within 10 s");
                Assert.True(after >= ttl - TimeSpan.FromMilliseconds(5), $"woken {after.TotalMilliseconds:0} ms after setting a key that expires after {ttl.TotalMilliseconds:0} ms");
                Assert.True(after <= ttl + TimeSpan.FromSeconds(2),
                    $"the expired event from primary {primary} came {after.TotalMilliseconds:0} ms after the key was set; the bound is {(ttl + TimeSpan.FromSeconds(2)).TotalMilliseconds:0} ms");
            }
        }
        finally
        {
            await listener.Stop();
        }
    }
}
