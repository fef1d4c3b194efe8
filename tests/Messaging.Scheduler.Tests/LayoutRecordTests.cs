using Messaging.Scheduler.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Messaging.Scheduler.Tests;

/// <summary>
/// Every process that shares a key prefix must name the same keys for a token. The first one to reach Redis records the
/// partitions and layout; the others check before their first script, and a keyspace written in the original layout is
/// never read as if it were spread.
/// </summary>
public sealed class LayoutRecordTests
{
    [Fact]
    public async Task The_first_process_records_the_layout_and_one_configured_otherwise_is_refused_with_what_to_set()
    {
        var prefix = TestServers.UniqueName("layout-record") + ":";
        var db = await TestServers.RedisDatabase();
        await using var first = Store(prefix, 6);
        await first.Store.Schedule(Guid.NewGuid(), DateTime.UtcNow.AddHours(1), "SELLER", StoreTestBase.Message());

        Assert.Equal("partitions=6 layout=Spread", (string?)await db.StringGetAsync(prefix + "layout"));

        await using var second = Store(prefix, 4);
        var token = Guid.NewGuid();
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => second.Store.Schedule(token, DateTime.UtcNow.AddHours(1), "SELLER", StoreTestBase.Message()));
        Assert.Contains("partitions=6 layout=Spread", refused.Message, StringComparison.Ordinal);
        Assert.Contains("RedisScheduler:Partitions", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, await Pending(db, first.Store));
        // Not "the key does not exist": partition 0 is tagged {0.1} with 4 partitions and with 6, so the first message may
        // share the key.
        var keys = second.Store.Keyspace.For(token);
        Assert.Null(await db.SortedSetScoreAsync(keys.Due, SchedulerKeyspace.Format(token)));
        Assert.False(await db.HashExistsAsync(keys.Entries, SchedulerKeyspace.Format(token)), "nothing was written by the refused process");

        await using var third = Store(prefix, 6);
        Assert.NotNull(await third.Store.Schedule(Guid.NewGuid(), DateTime.UtcNow.AddHours(1), "SELLER", StoreTestBase.Message()));
        Assert.Equal(2, await Pending(db, first.Store));
    }

    [Fact]
    public async Task A_keyspace_written_in_the_original_layout_is_refused_by_the_spread_layout_and_used_by_the_original_one()
    {
        var prefix = TestServers.UniqueName("layout-original") + ":";
        var db = await TestServers.RedisDatabase();
        // What an earlier version left: a message waiting in partition 3 of 8, and no layout record.
        var token = Guid.NewGuid();
        await using (var earlier = Store(prefix, 8, RedisPartitionLayout.Original))
        {
            await earlier.Store.Schedule(token, DateTime.UtcNow.AddHours(1), "SELLER", StoreTestBase.Message());
            await db.KeyDeleteAsync(prefix + "layout");
        }

        await using var spread = Store(prefix, 8);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => spread.Store.Schedule(Guid.NewGuid(), DateTime.UtcNow.AddHours(1), "SELLER", StoreTestBase.Message()));
        Assert.Contains("RedisScheduler:PartitionLayout to Original", refused.Message, StringComparison.Ordinal);
        Assert.False(await db.KeyExistsAsync(prefix + "layout"), "a refused process records nothing");

        await using var original = Store(prefix, 8, RedisPartitionLayout.Original);
        Assert.Equal(CancelOutcome.Cancelled, await original.Store.Cancel(token));
        Assert.Equal("partitions=8 layout=Original", (string?)await db.StringGetAsync(prefix + "layout"));
    }

    [Fact]
    public async Task One_partition_is_the_same_in_both_layouts_so_either_setting_reads_it()
    {
        var prefix = TestServers.UniqueName("layout-one") + ":";
        var token = Guid.NewGuid();
        await using (var spread = Store(prefix, 1))
            await spread.Store.Schedule(token, DateTime.UtcNow.AddHours(1), "SELLER", StoreTestBase.Message());

        await using var original = Store(prefix, 1, RedisPartitionLayout.Original);
        Assert.Equal(CancelOutcome.Cancelled, await original.Store.Cancel(token));
    }

    static async Task<long> Pending(StackExchange.Redis.IDatabase db, RedisScheduleStore store)
    {
        long total = 0;
        foreach (var partition in store.Keyspace.Partitions)
            total += await db.SortedSetLengthAsync(partition.Due);
        return total;
    }

    static OwnedStore Store(string prefix, int partitions, RedisPartitionLayout layout = RedisPartitionLayout.Spread)
    {
        var options = Options.Create(new RedisSchedulerOptions
        {
            Configuration = TestServers.Redis, KeyPrefix = prefix, Partitions = partitions, PartitionLayout = layout,
        });
        var connection = new RedisConnection(options);
        return new OwnedStore(connection, new RedisScheduleStore(connection, options));
    }

    sealed record OwnedStore(RedisConnection Connection, RedisScheduleStore Store) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Connection.DisposeAsync();
    }
}
