using MassTransit.Scheduling;
using Messaging.Scheduler.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Scheduler.Tests;

/// <summary><c>ack-batch.lua</c> against a real Redis: many tokens of one partition in one call, each answered as it
/// would be alone.</summary>
public sealed class BatchAcknowledgementTests() : StoreTestBase("ackbatch", new RedisSchedulerOptions { Configuration = TestServers.Redis, LeaseDuration = TimeSpan.FromMinutes(1) })
{
    [Fact]
    public async Task A_lease_that_does_not_match_fails_only_its_own_token()
    {
        var now = await RedisUtc();
        for (var i = 0; i < 3; i++)
            await Store.Schedule(Guid.NewGuid(), now.AddMilliseconds(-10 + i), "A", Message());
        var claimed = (await Store.Claim(Partition)).Messages;
        Assert.Equal(3, claimed.Count);

        var results = await Store.AcknowledgeMany(Partition,
        [
            new Acknowledgement(claimed[0].Token, claimed[0].LeaseExpiry),
            new Acknowledgement(claimed[1].Token, claimed[1].LeaseExpiry - 1),
            new Acknowledgement(claimed[2].Token, claimed[2].LeaseExpiry),
            new Acknowledgement(Guid.NewGuid().ToString("N"), claimed[2].LeaseExpiry),
        ]);

        Assert.Equal(new[] { true, false, true, false }, results);
        Assert.False(await Db.HashExistsAsync(Partition.Entries, claimed[0].Token));
        Assert.False(await Db.HashExistsAsync(Partition.Entries, claimed[2].Token));
        Assert.True(await Db.HashExistsAsync(Partition.Entries, claimed[1].Token), "the entry whose lease did not match stays");
        Assert.Equal(claimed[1].LeaseExpiry, await Db.SortedSetScoreAsync(Partition.InFlight, claimed[1].Token));
        Assert.Equal(1, await Db.SortedSetLengthAsync(Partition.InFlight));

        // Its own claim still acknowledges it.
        Assert.Equal(new[] { true }, await Store.AcknowledgeMany(Partition, [new Acknowledgement(claimed[1].Token, claimed[1].LeaseExpiry)]));
        Assert.Equal(0, await Db.HashLengthAsync(Partition.Entries));
        Assert.Equal(0, await Db.SortedSetLengthAsync(Partition.InFlight));
    }

    [Fact]
    public async Task A_recurring_entry_moves_to_its_next_occurrence_and_a_one_time_entry_is_deleted_in_the_same_call()
    {
        var now = await RedisUtc();
        var definition = new RecurringDefinition("every-minute", "batch-ack", "0 * * * * ?", "UTC", now.AddMinutes(-1), null, MissedEventPolicy.Default);
        await Store.Schedule(definition.Token, now.AddMilliseconds(-5), "A", Message("recurring"), recurring: definition);
        var oneTime = Guid.NewGuid();
        await Store.Schedule(oneTime, now.AddMilliseconds(-1), "A", Message("once"));

        var claimed = (await Store.Claim(Partition)).Messages;
        Assert.Equal(2, claimed.Count);
        var recurring = Assert.Single(claimed, c => c.Recurring != null);
        var single = Assert.Single(claimed, c => c.Recurring == null);
        Assert.Equal(oneTime.ToString("N"), single.Token);

        // A failed attempt before this delivery: the next occurrence starts with none.
        var entry = (byte[])(await Db.HashGetAsync(Partition.Entries, recurring.Token))!;
        await Db.HashSetAsync(Partition.Entries, recurring.Token, (byte[])[(byte)'2', .. entry.AsSpan(Array.IndexOf(entry, (byte)'|'))]);

        var next = DateTimeOffset.FromUnixTimeMilliseconds(Timing.UnixMs(now.AddMinutes(1)));
        var results = await Store.AcknowledgeMany(Partition,
        [
            new Acknowledgement(single.Token, single.LeaseExpiry),
            new Acknowledgement(recurring.Token, recurring.LeaseExpiry, next),
        ]);

        Assert.Equal(new[] { true, true }, results);
        Assert.False(await Db.HashExistsAsync(Partition.Entries, single.Token));
        Assert.Equal(next.ToUnixTimeMilliseconds(), await Db.SortedSetScoreAsync(Partition.Due, recurring.Token));
        Assert.Equal(next.ToUnixTimeMilliseconds(), (long)await Db.HashGetAsync(Partition.Recurring, recurring.Token + ":at"));
        var after = (byte[])(await Db.HashGetAsync(Partition.Entries, recurring.Token))!;
        Assert.Equal("0|A|"u8.ToArray(), after[..4]);
        Assert.Equal(entry[1..], after[1..]);
        Assert.Equal(0, await Db.SortedSetLengthAsync(Partition.InFlight));
    }

    [Fact]
    public async Task A_recurring_entry_whose_schedule_ended_is_deleted_with_its_definition()
    {
        var now = await RedisUtc();
        var definition = new RecurringDefinition("ending", "batch-ack", "0 * * * * ?", "UTC", now.AddMinutes(-1), now, MissedEventPolicy.Default);
        await Store.Schedule(definition.Token, now.AddMilliseconds(-5), "A", Message("last"), recurring: definition);
        var claimed = Assert.Single((await Store.Claim(Partition)).Messages);

        Assert.Equal(new[] { true }, await Store.AcknowledgeMany(Partition, [new Acknowledgement(claimed.Token, claimed.LeaseExpiry)]));

        Assert.False(await Db.HashExistsAsync(Partition.Entries, claimed.Token));
        Assert.False(await Db.HashExistsAsync(Partition.Recurring, claimed.Token));
        Assert.False(await Db.HashExistsAsync(Partition.Recurring, claimed.Token + ":at"));
        Assert.Null(await Db.SortedSetScoreAsync(Partition.Due, claimed.Token));
    }
}
