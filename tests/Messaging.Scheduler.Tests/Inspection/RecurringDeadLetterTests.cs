using MassTransit;
using MassTransit.Scheduling;
using Messaging.Scheduler.Tests.Infrastructure;

namespace Messaging.Scheduler.Tests.Inspection;

/// <summary>Issue 13 §4: a recurring schedule whose occurrence is dead-lettered goes on with its next occurrence; the dead
/// occurrence stays in the dead-letter set with its reason, under a token of its own, and is delivered once when requeued.</summary>
public sealed class RecurringDeadLetterTests() : InspectionTestBase("recurring-dead", new RedisSchedulerOptions { Configuration = TestServers.Redis })
{
    const string Notice = "urn:message:Contracts:Notice";
    const string Sellers = "rabbitmq://localhost/sellers";

    [Fact]
    public async Task A_dead_lettered_occurrence_is_kept_apart_and_the_schedule_goes_on_with_its_next_occurrence_in_the_same_step()
    {
        var now = await RedisUtc();
        var definition = Hourly("dies-once", now.AddHours(-2));
        var token = definition.Token.ToString("N");
        await Schedule(definition.Token, now.AddSeconds(-1), "SELLER", Notice, Sellers, definition);
        var claimed = await ClaimOne(definition.Token);
        var occurrence = claimed.Recurring!.OccurrenceMilliseconds;
        var next = definition.First(now.AddMinutes(1))!.Value;

        var result = await Store.Release(Partition, token, claimed.LeaseExpiry, TimeSpan.Zero, true, 0, "poison", recurring: true, next);

        Assert.Equal(ReleaseOutcome.DeadLettered, result.Outcome);
        var dead = $"{token}-{occurrence}";
        Assert.Equal([dead], (await Db.SortedSetRangeByRankAsync(Partition.Dead)).Select(t => (string)t!));
        Assert.Equal("poison", (string?)await Db.HashGetAsync(Partition.DeadReasons, dead));
        Assert.False(await Db.HashExistsAsync(Partition.DeadReasons, token));
        Assert.Equal(next.ToUnixTimeMilliseconds(), await DueOf(definition.Token));
        Assert.Equal(next.ToUnixTimeMilliseconds(), (long)await Db.HashGetAsync(Partition.Recurring, token + ":at"));
        Assert.True(EntryHeader.TryRead((byte[])(await Db.HashGetAsync(Partition.Entries, token))!, out var header));
        Assert.Equal(0, header.Attempts);
        var counts = await Messages.Counts();
        Assert.Equal(new LabelCount(1, 1), counts.ByMessageType[Notice]);
        Assert.Equal((1, 1), (counts.RecurringActive, counts.DeadLettered));
        await AssertCountsMatchScan("after the dead-lettered occurrence");

        // Requeued, the dead occurrence is a one-time message: delivered once, then gone; the schedule stays.
        Assert.True(await DeadLetters.Requeue(dead));
        var batch = await Store.Claim(Partition);
        var again = Assert.Single(batch.Messages);
        Assert.Equal(dead, again.Token);
        Assert.Null(again.Recurring);
        Assert.True(await Store.Acknowledge(Partition, again.Token, again.LeaseExpiry));
        Assert.False(await Db.HashExistsAsync(Partition.Entries, dead));
        Assert.Equal(next.ToUnixTimeMilliseconds(), await DueOf(definition.Token));
        await AssertCountsMatchScan("after the requeued occurrence was delivered");
    }

    [Fact]
    public async Task The_last_occurrence_of_an_ended_schedule_is_dead_lettered_apart_and_the_schedule_is_removed()
    {
        var now = await RedisUtc();
        var definition = Hourly("dies-last", now.AddHours(-2));
        var token = definition.Token.ToString("N");
        await Schedule(definition.Token, now.AddSeconds(-1), "SELLER", Notice, Sellers, definition);
        var claimed = await ClaimOne(definition.Token);

        await Store.Release(Partition, token, claimed.LeaseExpiry, TimeSpan.Zero, true, 0, "poison", recurring: true, nextOccurrence: null);

        Assert.Equal([$"{token}-{claimed.Recurring!.OccurrenceMilliseconds}"], (await Db.SortedSetRangeByRankAsync(Partition.Dead)).Select(t => (string)t!));
        Assert.False(await Db.HashExistsAsync(Partition.Entries, token));
        Assert.Equal(0, await Db.HashLengthAsync(Partition.Recurring));
        await AssertCountsMatchScan("after the last occurrence died");
    }

    [Fact]
    public async Task A_retried_failure_is_kept_as_the_last_failure_until_the_message_is_delivered()
    {
        var token = Guid.NewGuid();
        await Schedule(token, (await RedisUtc()).AddSeconds(-1), "SELLER", Notice, Sellers);
        var claimed = await ClaimOne(token);

        Assert.Equal(ReleaseOutcome.Retried, (await Store.Release(Partition, claimed.Token, claimed.LeaseExpiry, TimeSpan.Zero, true, 5, "broker said no")).Outcome);
        Assert.Equal("broker said no", (string?)await Db.HashGetAsync(Partition.DeadReasons, claimed.Token));
        Assert.Null(await Db.SortedSetScoreAsync(Partition.Dead, claimed.Token));

        var again = await ClaimOne(token);
        Assert.True(await Store.Acknowledge(Partition, again.Token, again.LeaseExpiry));
        Assert.False(await Db.HashExistsAsync(Partition.DeadReasons, claimed.Token));
    }

    sealed class EverySecond : DefaultRecurringSchedule
    {
        public EverySecond(DateTimeOffset start, DateTimeOffset end)
        {
            ScheduleId = "every-second";
            ScheduleGroup = "tests";
            CronExpression = "* * * * * ?";
            StartTime = start;
            EndTime = end;
            TimeZoneId = TimeZoneInfo.Utc.Id;
        }
    }

    [Fact]
    public async Task A_bridge_keeps_a_schedule_going_past_occurrences_it_dead_letters()
    {
        var queue = TestServers.UniqueName("recurring-dead");
        await using var bus = await TestBus.Start(nameof(A_bridge_keeps_a_schedule_going_past_occurrences_it_dead_letters), s => s.SchedulerEndpoint = queue);
        var now = DateTimeOffset.FromUnixTimeMilliseconds(await TestServers.RedisNow(Db));
        // Far enough ahead that the schedule is stored, and its names deleted, before the first occurrence, even on a loaded machine.
        var start = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() + 8);
        var token = RecurringDefinition.TokenFor("every-second", "tests").ToString("N");
        var partition = new PartitionKeys(bus.KeyPrefix, 0, "0");

        await bus.RecurringScheduler.ScheduleRecurringPublish(new EverySecond(start, start.AddSeconds(2)), bus.Probe(1));
        await Wait.Until(async () => await Db.HashExistsAsync(partition.Recurring, token), TimeSpan.FromSeconds(30), "the schedule is stored");
        Assert.True(await TestServers.RedisNow(Db) < start.ToUnixTimeMilliseconds(), "the names must be gone before the first occurrence");

        // Without its names the entry cannot be put together: every occurrence is dead-lettered at once.
        await Db.KeyDeleteAsync(partition.Names);

        await Wait.Until(async () => !await Db.HashExistsAsync(partition.Recurring, token), TimeSpan.FromSeconds(30), "the schedule ended");
        var dead = (await Db.SortedSetRangeByRankAsync(partition.Dead)).Select(t => (string)t!).Order().ToList();
        var expected = Enumerable.Range(0, 3).Select(i => $"{token}-{start.AddSeconds(i).ToUnixTimeMilliseconds()}").ToList();
        Assert.Equal(expected, dead);
        foreach (var occurrence in dead)
            Assert.Contains("missing from the scheduler's names hash", (string?)await Db.HashGetAsync(partition.DeadReasons, occurrence), StringComparison.Ordinal);
        Assert.Empty(bus.Log.Deliveries);
    }
}
