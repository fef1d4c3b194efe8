using MassTransit.Scheduling;
using Messaging.Scheduler.Scheduling;
using Messaging.Scheduler.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Scheduler.Tests;

/// <summary><c>ack-batch.lua</c> against a real Redis: many tokens of one partition in one call, each answered as it
/// would be alone.</summary>
public sealed class BatchAcknowledgementTests : IAsyncLifetime
{
    readonly RedisSchedulerOptions _options = new() { Configuration = TestServers.Redis, LeaseDuration = TimeSpan.FromMinutes(1) };
    RedisConnection _connection = null!;
    RedisScheduleStore _store = null!;
    IDatabase _db = null!;

    PartitionKeys Partition => _store.Keyspace.Partitions[0];

    public async Task InitializeAsync()
    {
        _options.KeyPrefix = TestServers.UniqueName("ackbatch") + ":";
        _connection = new RedisConnection(Options.Create(_options));
        _store = new RedisScheduleStore(_connection, Options.Create(_options));
        _db = await TestServers.RedisDatabase();
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    static StoredMessage Message(string text = "body") =>
        new(new Uri("rabbitmq://localhost/exchange"), "application/vnd.masstransit+json", new Dictionary<string, object>(), System.Text.Encoding.UTF8.GetBytes(text));

    async Task<DateTime> RedisUtc() => DateTime.UnixEpoch.AddMilliseconds(await TestServers.RedisNow(_db));

    [Fact]
    public async Task A_lease_that_does_not_match_fails_only_its_own_token()
    {
        var now = await RedisUtc();
        for (var i = 0; i < 3; i++)
            await _store.Schedule(Guid.NewGuid(), now.AddMilliseconds(-10 + i), "A", Message());
        var claimed = (await _store.Claim(Partition)).Messages;
        Assert.Equal(3, claimed.Count);

        var results = await _store.AcknowledgeMany(Partition,
        [
            new Acknowledgement(claimed[0].Token, claimed[0].LeaseExpiry),
            new Acknowledgement(claimed[1].Token, claimed[1].LeaseExpiry - 1),
            new Acknowledgement(claimed[2].Token, claimed[2].LeaseExpiry),
            new Acknowledgement(Guid.NewGuid().ToString("N"), claimed[2].LeaseExpiry),
        ]);

        Assert.Equal(new[] { true, false, true, false }, results);
        Assert.False(await _db.HashExistsAsync(Partition.Entries, claimed[0].Token));
        Assert.False(await _db.HashExistsAsync(Partition.Entries, claimed[2].Token));
        Assert.True(await _db.HashExistsAsync(Partition.Entries, claimed[1].Token), "the entry whose lease did not match stays");
        Assert.Equal(claimed[1].LeaseExpiry, await _db.SortedSetScoreAsync(Partition.InFlight, claimed[1].Token));
        Assert.Equal(1, await _db.SortedSetLengthAsync(Partition.InFlight));

        // Its own claim still acknowledges it.
        Assert.Equal(new[] { true }, await _store.AcknowledgeMany(Partition, [new Acknowledgement(claimed[1].Token, claimed[1].LeaseExpiry)]));
        Assert.Equal(0, await _db.HashLengthAsync(Partition.Entries));
        Assert.Equal(0, await _db.SortedSetLengthAsync(Partition.InFlight));
    }

    [Fact]
    public async Task A_recurring_entry_moves_to_its_next_occurrence_and_a_one_time_entry_is_deleted_in_the_same_call()
    {
        var now = await RedisUtc();
        var definition = new RecurringDefinition("every-minute", "batch-ack", "0 * * * * ?", "UTC", now.AddMinutes(-1), null, MissedEventPolicy.Default);
        await _store.Schedule(definition.Token, now.AddMilliseconds(-5), "A", Message("recurring"), recurring: definition);
        var oneTime = Guid.NewGuid();
        await _store.Schedule(oneTime, now.AddMilliseconds(-1), "A", Message("once"));

        var claimed = (await _store.Claim(Partition)).Messages;
        Assert.Equal(2, claimed.Count);
        var recurring = Assert.Single(claimed, c => c.Recurring != null);
        var single = Assert.Single(claimed, c => c.Recurring == null);
        Assert.Equal(oneTime.ToString("N"), single.Token);

        // A failed attempt before this delivery: the next occurrence starts with none.
        var entry = (byte[])(await _db.HashGetAsync(Partition.Entries, recurring.Token))!;
        await _db.HashSetAsync(Partition.Entries, recurring.Token, (byte[])[(byte)'2', .. entry.AsSpan(Array.IndexOf(entry, (byte)'|'))]);

        var next = DateTimeOffset.FromUnixTimeMilliseconds(Timing.UnixMs(now.AddMinutes(1)));
        var results = await _store.AcknowledgeMany(Partition,
        [
            new Acknowledgement(single.Token, single.LeaseExpiry),
            new Acknowledgement(recurring.Token, recurring.LeaseExpiry, next),
        ]);

        Assert.Equal(new[] { true, true }, results);
        Assert.False(await _db.HashExistsAsync(Partition.Entries, single.Token));
        Assert.Equal(next.ToUnixTimeMilliseconds(), await _db.SortedSetScoreAsync(Partition.Due, recurring.Token));
        Assert.Equal(next.ToUnixTimeMilliseconds(), (long)await _db.HashGetAsync(Partition.Recurring, recurring.Token + ":at"));
        var after = (byte[])(await _db.HashGetAsync(Partition.Entries, recurring.Token))!;
        Assert.Equal("0|A|"u8.ToArray(), after[..4]);
        Assert.Equal(entry[1..], after[1..]);
        Assert.Equal(0, await _db.SortedSetLengthAsync(Partition.InFlight));
    }

    [Fact]
    public async Task A_recurring_entry_whose_schedule_ended_is_deleted_with_its_definition()
    {
        var now = await RedisUtc();
        var definition = new RecurringDefinition("ending", "batch-ack", "0 * * * * ?", "UTC", now.AddMinutes(-1), now, MissedEventPolicy.Default);
        await _store.Schedule(definition.Token, now.AddMilliseconds(-5), "A", Message("last"), recurring: definition);
        var claimed = Assert.Single((await _store.Claim(Partition)).Messages);

        Assert.Equal(new[] { true }, await _store.AcknowledgeMany(Partition, [new Acknowledgement(claimed.Token, claimed.LeaseExpiry)]));

        Assert.False(await _db.HashExistsAsync(Partition.Entries, claimed.Token));
        Assert.False(await _db.HashExistsAsync(Partition.Recurring, claimed.Token));
        Assert.False(await _db.HashExistsAsync(Partition.Recurring, claimed.Token + ":at"));
        Assert.Null(await _db.SortedSetScoreAsync(Partition.Due, claimed.Token));
    }
}
