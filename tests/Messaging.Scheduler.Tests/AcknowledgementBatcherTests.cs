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
        var batcher = new AcknowledgementBatcher(store, partition, 7, new ListLoggerProvider().CreateLogger("test"), TimeSpan.Zero);
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
        var batcher = new AcknowledgementBatcher(store, store.Keyspace.Partitions[0], 100, logs.CreateLogger("test"), TimeSpan.FromSeconds(2));

        // Asked again for up to 2 s, then given up on.
        var first = await batcher.Acknowledge(new Acknowledgement(Guid.NewGuid().ToString("N"), 1)).WaitAsync(TimeSpan.FromSeconds(30));
        var second = await batcher.Acknowledge(new Acknowledgement(Guid.NewGuid().ToString("N"), 1)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(AcknowledgeOutcome.NotRecorded, first);
        Assert.Equal(AcknowledgeOutcome.NotRecorded, second);
        Assert.Contains(logs.Lines, line => line.StartsWith("Warning", StringComparison.Ordinal)
            && line.Contains("Could not acknowledge 1 delivered message(s) in partition 0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_acknowledgement_that_fails_while_redis_restarts_is_made_again_and_recorded()
    {
        // A Redis of the test's own, with an append-only file, so that it can be stopped and started again on its data.
        var folder = Directory.CreateTempSubdirectory("ack-retry-").FullName;
        string[] settings = ["--appendonly", "yes", "--appendfsync", "always"];
        var server = await RedisServerProcess.Start(settings, folder: folder);
        var port = server.Port;
        try
        {
            var options = new RedisSchedulerOptions
            {
                Configuration = server.Configuration + ",connectTimeout=300,abortConnect=false",
                KeyPrefix = "ack-retry:",
                OperationTimeout = TimeSpan.FromMilliseconds(300),
                LeaseDuration = TimeSpan.FromMinutes(1),
            };
            await using var connection = new RedisConnection(Options.Create(options));
            var store = new RedisScheduleStore(connection, Options.Create(options));
            var partition = store.Keyspace.Partitions[0];
            var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(server.Configuration);
            var db = admin.GetDatabase();
            var now = DateTime.UnixEpoch.AddMilliseconds(await TestServers.RedisNow(db));
            for (var i = 0; i < 5; i++)
                await store.Schedule(Guid.NewGuid(), now.AddMilliseconds(-100 + i), "A", Message());
            var claimed = (await store.Claim(partition)).Messages;
            Assert.Equal(5, claimed.Count);
            await admin.DisposeAsync();

            // Redis goes away for about 1.5 s: longer than the operation timeout, shorter than the time the batcher asks again for.
            await server.Stop(TimeSpan.FromSeconds(10));
            var logs = new ListLoggerProvider();
            var batcher = new AcknowledgementBatcher(store, partition, 100, logs.CreateLogger("test"), TimeSpan.FromSeconds(10));
            var outcomes = claimed.Select(c => batcher.Acknowledge(new Acknowledgement(c.Token, c.LeaseExpiry))).ToArray();
            await Task.Delay(TimeSpan.FromMilliseconds(1500)); // the outage itself, not a wait for a result
            await server.DisposeAsync();
            server = await RedisServerProcess.Start(settings, port, folder);

            var answers = await Task.WhenAll(outcomes).WaitAsync(TimeSpan.FromSeconds(20));
            Assert.All(answers, a => Assert.Equal(AcknowledgeOutcome.Acknowledged, a));
            admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(server.Configuration);
            db = admin.GetDatabase();
            Assert.Equal(0, await db.HashLengthAsync(partition.Entries));
            Assert.Equal(0, await db.SortedSetLengthAsync(partition.InFlight));
            Assert.DoesNotContain(logs.Lines, line => line.Contains("Could not acknowledge", StringComparison.Ordinal));
            await admin.DisposeAsync();
        }
        finally
        {
            await server.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }
}
