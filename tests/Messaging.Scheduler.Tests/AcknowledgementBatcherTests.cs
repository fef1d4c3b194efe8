using Messaging.Scheduler.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Messaging.Scheduler.Tests;

/// <summary>The bridge's group commit of acknowledgements: every caller gets its own token's answer, however the calls
/// were grouped, and a Redis failure answers "not recorded" without losing or deleting anything.</summary>
public sealed class AcknowledgementBatcherTests
{
    static StoredMessage Message() =>
        new(new Uri("rabbitmq://localhost/exchange"), "application/vnd.masstransit+json", new Dictionary<string, object>(), "body"u8.ToArray());

    [Fact]
    public async Task Acknowledgements_made_at_once_each_get_their_own_answer()
    {
        var options = new RedisSchedulerOptions { Configuration = TestServers.Redis, KeyPrefix = TestServers.UniqueName("batcher") + ":", LeaseDuration = TimeSpan.FromMinutes(1) };
        await using var connection = new RedisConnection(Options.Create(options));
        var store = new RedisScheduleStore(connection, Options.Create(options));
        var db = await TestServers.RedisDatabase();
        var partition = store.Keyspace.Partitions[0];
        var now = DateTime.UnixEpoch.AddMilliseconds(await TestServers.RedisNow(db));
        for (var i = 0; i < 40; i++)
            await store.Schedule(Guid.NewGuid(), now.AddMilliseconds(-100 + i), "A", Message());
        var claimed = (await store.Claim(partition)).Messages;
        Assert.Equal(40, claimed.Count);

        // At most 7 per script call: the 40 go in several calls, whatever the grouping turns out to be.
        var batcher = new AcknowledgementBatcher(store, partition, 7, new ListLoggerProvider().CreateLogger("test"));
        var outcomes = await Task.WhenAll(claimed.Select((c, i) =>
            Task.Run(() => batcher.Acknowledge(new Acknowledgement(c.Token, i % 10 == 3 ? c.LeaseExpiry + 1 : c.LeaseExpiry)))));
        await batcher.Idle();

        for (var i = 0; i < claimed.Count; i++)
            Assert.Equal(i % 10 == 3 ? AcknowledgeOutcome.ClaimLost : AcknowledgeOutcome.Acknowledged, outcomes[i]);
        Assert.Equal(4, await db.HashLengthAsync(partition.Entries));
        Assert.Equal(4, await db.SortedSetLengthAsync(partition.InFlight));
    }

    [Fact]
    public async Task When_redis_cannot_be_reached_the_acknowledgements_are_not_recorded_and_it_is_logged()
    {
        var options = new RedisSchedulerOptions { Configuration = "127.0.0.1:1", KeyPrefix = "unreachable:", OperationTimeout = TimeSpan.FromSeconds(1) };
        await using var connection = new RedisConnection(Options.Create(options));
        var store = new RedisScheduleStore(connection, Options.Create(options));
        var logs = new ListLoggerProvider();
        var batcher = new AcknowledgementBatcher(store, store.Keyspace.Partitions[0], 100, logs.CreateLogger("test"));

        var first = await batcher.Acknowledge(new Acknowledgement(Guid.NewGuid().ToString("N"), 1)).WaitAsync(TimeSpan.FromSeconds(30));
        var second = await batcher.Acknowledge(new Acknowledgement(Guid.NewGuid().ToString("N"), 1)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(AcknowledgeOutcome.NotRecorded, first);
        Assert.Equal(AcknowledgeOutcome.NotRecorded, second);
        Assert.Contains(logs.Lines, line => line.StartsWith("Warning", StringComparison.Ordinal)
            && line.Contains("Could not acknowledge 1 delivered message(s) in partition 0", StringComparison.Ordinal));
    }
}
