using System.Diagnostics;
using Messaging.Scheduler.Tests.Infrastructure;
using StackExchange.Redis;

namespace Messaging.Scheduler.Tests;

/// <summary>
/// A claim that timed out while Redis was paused (Redis runs it when the pause ends) is asked for again under the same
/// claim id, so that the bridge gets its entries when the pause ends rather than after their lease; on a redis-server of
/// the test's own (never the shared one).
/// </summary>
public sealed class ClaimRecoveryTests
{
    [Fact]
    public async Task A_claim_that_timed_out_while_redis_was_paused_gets_its_entries_when_the_pause_ends_not_a_lease_later()
    {
        await using var redis = await RedisServerProcess.Start();
        await using var fixture = await RedisFaultTests.Fixture.Create(redis.Configuration);
        var store = fixture.Store;
        var partition = store.Keyspace.Partitions[0];
        var tokens = new HashSet<string>();
        for (var i = 0; i < 20; i++)
        {
            var token = Guid.NewGuid();
            tokens.Add(SchedulerKeyspace.Format(token));
            await store.Schedule(token, DateTime.UtcNow.AddSeconds(-1), "A", StoreTestBase.Message());
        }

        var pause = TimeSpan.FromSeconds(4);
        var watch = Stopwatch.StartNew();
        await fixture.Pause(pause);
        var batch = await store.Claim(partition);

        // Answered when the pause ended (each attempt timed out after 1 s and was asked again with the same claim id).
        Assert.InRange(watch.Elapsed, pause - TimeSpan.FromMilliseconds(500), pause + TimeSpan.FromSeconds(2));
        Assert.Equal(tokens, batch.Messages.Select(m => m.Token).ToHashSet());
        Assert.All(batch.Messages, m => Assert.True(m.LeaseExpiry > batch.Now));

        // Exactly those entries are in flight, under the lease returned, and nothing else is left to claim.
        var db = fixture.Admin.GetDatabase();
        var inFlight = await db.SortedSetRangeByRankWithScoresAsync(partition.InFlight);
        Assert.Equal(tokens, inFlight.Select(e => (string)e.Element!).ToHashSet());
        Assert.All(inFlight, e => Assert.Equal(batch.Messages[0].LeaseExpiry, (long)e.Score));
        Assert.Empty((await store.Claim(partition)).Messages);

        // The records of answered claims do not stay: the next claim deletes the last one.
        Assert.All(await store.AcknowledgeMany(partition, batch.Messages.Select(m => new Acknowledgement(m.Token, m.LeaseExpiry, null)).ToList()), Assert.True);
        await store.Claim(partition);
        var server = fixture.Admin.GetServer(fixture.Admin.GetEndPoints()[0]);
        Assert.Empty(server.Keys(pattern: partition.Root + "claim:*").ToList());
    }

    [Fact]
    public async Task A_claim_asked_again_under_the_same_id_returns_what_the_first_took_and_claims_nothing_more()
    {
        await using var redis = await RedisServerProcess.Start();
        await using var fixture = await RedisFaultTests.Fixture.Create(redis.Configuration);
        var store = fixture.Store;
        var partition = store.Keyspace.Partitions[0];
        for (var i = 0; i < 5; i++)
            await store.Schedule(Guid.NewGuid(), DateTime.UtcNow.AddSeconds(-1), "A", StoreTestBase.Message());

        var db = fixture.Admin.GetDatabase();
        var keys = partition.ClaimKeysFor("same-id", null);
        RedisValue[] values = [3, 30000, ClaimReplyReader.NoEntry];
        var first = ClaimReplyReader.Read(partition, await db.ScriptEvaluateAsync(LuaScripts.Claim, keys, values));
        var again = ClaimReplyReader.Read(partition, await db.ScriptEvaluateAsync(LuaScripts.Claim, keys, values));

        Assert.Equal(3, first.Messages.Count);
        Assert.Equal(first.Messages.Select(m => (m.Token, m.DueMilliseconds, m.LeaseExpiry)), again.Messages.Select(m => (m.Token, m.DueMilliseconds, m.LeaseExpiry)));
        Assert.Equal(2, again.Backlog);

        // One of them acknowledged meanwhile is no longer returned.
        Assert.True(await store.Acknowledge(partition, first.Messages[0].Token, first.Messages[0].LeaseExpiry));
        var third = ClaimReplyReader.Read(partition, await db.ScriptEvaluateAsync(LuaScripts.Claim, keys, values));
        Assert.Equal(first.Messages.Skip(1).Select(m => m.Token), third.Messages.Select(m => m.Token));
    }
}
