using MassTransit;
using Messaging.Scheduler.Tests.Infrastructure;
using StackExchange.Redis;

namespace Messaging.Scheduler.Tests;

/// <summary>What the seed's design loses and ours does not: a stopped bridge, keyspace events switched off, several
/// bridges at once, an unreadable entry, a bridge that died holding a claim.</summary>
public sealed class ResilienceTests
{
    [Fact]
    public async Task Messages_that_came_due_while_the_bridge_was_stopped_are_all_delivered_when_it_starts()
    {
        const string name = nameof(Messages_that_came_due_while_the_bridge_was_stopped_are_all_delivered_when_it_starts);
        var db = await TestServers.RedisDatabase();
        var runId = TestServers.UniqueName(name);
        var due = DateTime.UtcNow.AddMilliseconds(800);

        // A service schedules the messages while no bridge runs (the worker is down).
        await using (var first = await TestBus.Start(name, s =>
        {
            s.RunId = runId;
            s.Bridge = false;
        }))
        {
            for (var i = 0; i < 20; i++)
                await first.Scheduler.SchedulePublish(due.AddMilliseconds(i * 10), first.Probe(i));
        }

        // Every trigger key expires, and its expired event is published to nobody, as in the seed's conclusion.
        var prefix = runId + ":";
        await Wait.Until(async () => await TestServers.RedisNow(db) > Timing.UnixMs(due) + 1000, TimeSpan.FromSeconds(30), "the messages are overdue");
        await Wait.Until(async () => !await db.KeyExistsAsync($"{prefix}{{0}}:PROBE:{await FirstToken(db, prefix)}"), TimeSpan.FromSeconds(30),
            "the trigger keys expired");

        await using var second = await TestBus.Start(name, s => s.RunId = runId);
        await second.Log.WaitFor(20, TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(0, 20), second.Log.Deliveries.Select(d => d.Message.Number).Order());
        Assert.All(second.Log.Deliveries, d => Assert.True(d.RedisTimeMs >= Timing.UnixMs(due)));
        await Wait.Until(async () => await db.HashLengthAsync($"{prefix}{{0}}:entries") == 0, TimeSpan.FromSeconds(10), "every entry is acknowledged");
    }

    [Fact]
    public async Task Messages_are_delivered_on_time_when_the_server_publishes_no_keyspace_events()
    {
        await using var redis = await RedisServerProcess.Start("--notify-keyspace-events", "");
        await using var bus = await TestBus.Start(nameof(Messages_are_delivered_on_time_when_the_server_publishes_no_keyspace_events), s =>
        {
            s.Redis = redis.Configuration;
            s.Scheduler = o => o.EnableKeyspaceEvents = false;
        });

        var now = DateTime.UtcNow;
        var scheduled = new List<ScheduledMessage<ProbeMessage>>();
        for (var i = 0; i < 5; i++)
            scheduled.Add(await bus.Scheduler.SchedulePublish(now.AddMilliseconds(700 + i * 300), bus.Probe(i)));

        await bus.Log.WaitFor(5, TimeSpan.FromSeconds(30));
        for (var i = 0; i < 5; i++)
            Timing.OnTime(bus.Log.Single(i), scheduled[i].ScheduledTime);

        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true");
        var flags = await connection.GetServer(connection.GetEndPoints()[0]).ConfigGetAsync("notify-keyspace-events");
        Assert.Equal(string.Empty, flags.Single().Value);
    }

    [Fact]
    public async Task Messages_are_delivered_on_time_when_the_server_refuses_CONFIG()
    {
        await using var redis = await RedisServerProcess.Start("--notify-keyspace-events", "", "--rename-command", "CONFIG", "");
        await using var bus = await TestBus.Start(nameof(Messages_are_delivered_on_time_when_the_server_refuses_CONFIG), s => s.Redis = redis.Configuration);

        var scheduled = await bus.Scheduler.SchedulePublish(DateTime.UtcNow.AddMilliseconds(800), bus.Probe(1));

        await bus.Log.WaitFor(1, TimeSpan.FromSeconds(30));
        Timing.OnTime(bus.Log.Single(1), scheduled.ScheduledTime);
    }

    [Fact]
    public async Task Two_bridges_on_one_redis_deliver_every_message_exactly_once()
    {
        const string name = nameof(Two_bridges_on_one_redis_deliver_every_message_exactly_once);
        await using var consumerAndBridge = await TestBus.Start(name, s => s.Scheduler = o => o.ClaimBatchSize = 10);
        await using var bridgeOnly = await TestBus.Start(name, s =>
        {
            s.Consumers = false;
            s.KeyPrefix = consumerAndBridge.KeyPrefix;
            s.Scheduler = o => o.ClaimBatchSize = 10;
        });
        var sends = new SendCounter();
        consumerAndBridge.Bus.ConnectSendObserver(sends);
        bridgeOnly.Bus.ConnectSendObserver(sends);

        const int count = 300;
        var due = DateTime.UtcNow.AddSeconds(1);
        await Task.WhenAll(Enumerable.Range(0, count).Select(i =>
            consumerAndBridge.Scheduler.SchedulePublish(due.AddMilliseconds(i % 50), consumerAndBridge.Probe(i))));

        await consumerAndBridge.Log.WaitFor(count, TimeSpan.FromSeconds(60));
        var db = await TestServers.RedisDatabase();
        var prefix = consumerAndBridge.KeyPrefix;
        await Wait.Until(async () => await db.HashLengthAsync($"{prefix}{{0}}:entries") == 0 && await db.SortedSetLengthAsync($"{prefix}{{0}}:inflight") == 0,
            TimeSpan.FromSeconds(30), "every claim is acknowledged");

        // Every republish happens before its acknowledgement, so with Redis empty all of them were counted.
        Assert.Equal(count, sends.Sent.Count);
        Assert.All(sends.Sent, s => Assert.Equal(1, s.Value));
        Assert.Equal(count, consumerAndBridge.Log.Deliveries.Select(d => d.MessageId).Distinct().Count());
        Assert.True(sends.Sent.Keys.Order().SequenceEqual(consumerAndBridge.Log.Deliveries.Select(d => d.MessageId!.Value).Order()));
    }

    [Fact]
    public async Task An_unreadable_entry_is_dead_lettered_with_its_reason_and_the_messages_behind_it_are_delivered()
    {
        await using var bus = await TestBus.Start(nameof(An_unreadable_entry_is_dead_lettered_with_its_reason_and_the_messages_behind_it_are_delivered),
            s => s.Bridge = false);
        var db = await TestServers.RedisDatabase();
        var keys = $"{bus.KeyPrefix}{{0}}:";
        var now = await TestServers.RedisNow(db);

        // Planted by hand: one entry without the scheduler's header, one with a header and garbage after it.
        await db.HashSetAsync(keys + "entries", "bad-header", "not an entry");
        await db.HashSetAsync(keys + "entries", "bad-body", "0|PROBE|\u0001garbage");
        await db.SortedSetAddAsync(keys + "due", "bad-header", now - 10);
        await db.SortedSetAddAsync(keys + "due", "bad-body", now - 5);
        var good = await bus.Scheduler.SchedulePublish(DateTime.UtcNow, bus.Probe(1));

        await using var bridge = await TestBus.Start("bridge", s =>
        {
            s.Consumers = false;
            s.KeyPrefix = bus.KeyPrefix;
        });

        await bus.Log.WaitFor(1, TimeSpan.FromSeconds(30));
        Assert.Equal(good.TokenId.ToString("N"), ((string?)bus.Log.Single(1).Headers[MessageHeaders.SchedulingTokenId])?.Replace("-", "", StringComparison.Ordinal));
        await Wait.Until(async () => await db.SortedSetLengthAsync(keys + "dead") == 2, TimeSpan.FromSeconds(30), "both bad entries are dead-lettered");
        Assert.Contains("header", (string?)await db.HashGetAsync(keys + "dead-reasons", "bad-header"), StringComparison.Ordinal);
        Assert.Contains("unreadable entry", (string?)await db.HashGetAsync(keys + "dead-reasons", "bad-body"), StringComparison.Ordinal);
        Assert.Equal(0, await db.SortedSetLengthAsync(keys + "due"));
        Assert.Equal(0, await db.SortedSetLengthAsync(keys + "inflight"));
    }

    [Fact]
    public async Task An_entry_cut_off_inside_its_binary_part_is_dead_lettered_at_its_first_attempt_and_its_neighbours_are_delivered()
    {
        const string name = nameof(An_entry_cut_off_inside_its_binary_part_is_dead_lettered_at_its_first_attempt_and_its_neighbours_are_delivered);
        await using var bus = await TestBus.Start(name, s => s.Bridge = false);
        var db = await TestServers.RedisDatabase();
        var keys = $"{bus.KeyPrefix}{{0}}:";
        var now = await TestServers.RedisNow(db);

        // A real compact entry as entries were written before they carried a checksum, cut off inside its first ID; and a
        // token the due index names without any entry.
        var (encoded, _) = await new ScheduledMessageSerializer(int.MaxValue).Encode(new Uri("queue:nowhere"), bus.Probe(9),
            MassTransit.Pipe.Empty<MassTransit.SendContext<ProbeMessage>>(), Guid.NewGuid(), null, null, CancellationToken.None);
        await db.HashSetAsync(keys + "entries", "cut", (byte[])[.. "0|PROBE|"u8, .. encoded.Payload.AsSpan(0, 8)]);
        await db.SortedSetAddAsync(keys + "due", "cut", now - 10);
        await db.SortedSetAddAsync(keys + "due", "no-entry", now - 5);
        var before = await bus.Scheduler.SchedulePublish(DateTime.UtcNow.AddSeconds(-1), bus.Probe(1));
        var after = await bus.Scheduler.SchedulePublish(DateTime.UtcNow, bus.Probe(2));

        var logs = new ListLoggerProvider();
        var deadLettered = 0L;
        using var meter = new System.Diagnostics.Metrics.MeterListener();
        meter.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == RedisSchedulerDiagnostics.MeterName && instrument.Name == "messaging.scheduler.dead_lettered")
                listener.EnableMeasurementEvents(instrument);
        };
        meter.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref deadLettered, value));
        meter.Start();

        await using var bridge = await TestBus.Start("bridge", s =>
        {
            s.Consumers = false;
            s.KeyPrefix = bus.KeyPrefix;
            s.Logs = logs;
        });

        await bus.Log.WaitFor(2, TimeSpan.FromSeconds(30));
        Assert.Equal(before.TokenId, Guid.Parse((string)bus.Log.Single(1).Headers[MessageHeaders.SchedulingTokenId]!));
        Assert.Equal(after.TokenId, Guid.Parse((string)bus.Log.Single(2).Headers[MessageHeaders.SchedulingTokenId]!));
        await Wait.Until(async () => await db.SortedSetLengthAsync(keys + "dead") == 2, TimeSpan.FromSeconds(30), "both bad tokens are dead-lettered");
        var reason = (string?)await db.HashGetAsync(keys + "dead-reasons", "cut");
        Assert.Contains("unreadable entry", reason, StringComparison.Ordinal);
        Assert.Equal(ClaimReplyReader.NoEntry, (string?)await db.HashGetAsync(keys + "dead-reasons", "no-entry"));
        Assert.Equal(0, await db.SortedSetLengthAsync(keys + "inflight"));

        // Dead-lettered at the first attempt: no retry was counted for it, and both are logged and counted.
        Assert.DoesNotContain(logs.Lines, line => line.Contains("cut failed", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, line => line.Contains("message cut moved to the dead-letter set", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, line => line.Contains("message no-entry moved to the dead-letter set: " + ClaimReplyReader.NoEntry, StringComparison.Ordinal));
        await Wait.Until(() => Task.FromResult(Interlocked.Read(ref deadLettered) >= 2), TimeSpan.FromSeconds(5), "both dead letters are counted");
    }

    static async Task<string> FirstToken(IDatabase db, string prefix) =>
        (string?)(await db.HashKeysAsync($"{prefix}{{0}}:entries")).FirstOrDefault() ?? "none";
}
