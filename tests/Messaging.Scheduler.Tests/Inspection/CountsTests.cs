using Messaging.Scheduler.Inspection;
using Messaging.Scheduler.Tests.Infrastructure;
namespace Messaging.Scheduler.Tests.Inspection;

/// <summary><see cref="IRedisScheduledMessages.Counts" />: the states from the indexes, the labels from the counts hash the
/// scripts keep.</summary>
public sealed class CountsTests() : InspectionTestBase("counts", new RedisSchedulerOptions { Configuration = TestServers.Redis, Partitions = 2 })
{
    const string Notice = "urn:message:Contracts:Notice";
    const string Reminder = "urn:message:Contracts:Reminder";
    const string Sellers = "rabbitmq://localhost/sellers";
    const string Buyers = "rabbitmq://localhost/buyers";

    [Fact]
    public async Task Counts_say_how_many_wait_are_overdue_in_flight_dead_and_recurring_per_type_destination_and_channel()
    {
        var now = await RedisUtc();
        var waiting = Guid.NewGuid();
        var overdue = Guid.NewGuid();
        var inFlight = Guid.NewGuid();
        var dead = Guid.NewGuid();
        var unknown = Guid.NewGuid();
        await Schedule(waiting, now.AddHours(1), "SELLER", Notice, Sellers);
        await Schedule(inFlight, now.AddSeconds(-5), "SELLER", Notice, Sellers);
        var claimed = await ClaimOne(inFlight);
        await Schedule(dead, now.AddSeconds(-5), "BUYER", Reminder, Buyers);
        var dying = await ClaimOne(dead);
        Assert.Equal(ReleaseOutcome.DeadLettered, (await Store.Release(dying.Partition, dying.Token, dying.LeaseExpiry, TimeSpan.Zero, true, 0, "boom")).Outcome);
        await Schedule(overdue, now.AddSeconds(-5), "BUYER", Reminder, Sellers);
        await Schedule(unknown, now.AddHours(2), "BUYER", null, Buyers);
        var active = Hourly("active", now);
        var paused = Hourly("paused", now);
        await Schedule(active.Token, now.AddHours(1), "SELLER", Notice, Sellers, active);
        await Schedule(paused.Token, now.AddHours(1), "SELLER", Notice, Sellers, paused);
        Assert.Equal(ScheduledMessageChange.Done, await Messages.PauseRecurring(paused.Token.ToString()));

        var counts = await Messages.Counts();

        Assert.InRange(counts.AtUtc, now.AddSeconds(-1), now.AddMinutes(1));
        Assert.Equal(3, counts.Waiting);
        Assert.Equal(1, counts.Overdue);
        Assert.Equal(1, counts.InFlight);
        Assert.Equal(1, counts.DeadLettered);
        Assert.Equal(1, counts.RecurringActive);
        Assert.Equal(1, counts.RecurringPaused);
        Assert.Equal(new LabelCount(4, 0), counts.ByMessageType[Notice]);
        Assert.Equal(new LabelCount(1, 1), counts.ByMessageType[Reminder]);
        Assert.Equal(new LabelCount(1, 0), counts.ByMessageType[ScheduleCounts.UnknownType]);
        Assert.Equal(new LabelCount(5, 0), counts.ByDestination[Sellers]);
        Assert.Equal(new LabelCount(1, 1), counts.ByDestination[Buyers]);
        Assert.Equal(new LabelCount(4, 0), counts.ByChannel["SELLER"]);
        Assert.Equal(new LabelCount(2, 1), counts.ByChannel["BUYER"]);
        await AssertCountsMatchScan("after the setup");

        // Delivered and acknowledged: it leaves the counts; the dead letter requeued moves from dead to pending.
        Assert.True(await Store.Acknowledge(claimed.Partition, claimed.Token, claimed.LeaseExpiry));
        Assert.True(await DeadLetters.Requeue(dead));
        counts = await Messages.Counts();
        Assert.Equal(new LabelCount(3, 0), counts.ByMessageType[Notice]);
        Assert.Equal(new LabelCount(2, 0), counts.ByMessageType[Reminder]);
        Assert.Equal(0, counts.InFlight);
        Assert.Equal(0, counts.DeadLettered);
        await AssertCountsMatchScan("after an acknowledgement and a requeue");
    }

    [Fact]
    public async Task A_replaced_entry_is_counted_once_under_its_new_label_and_a_field_at_zero_is_removed()
    {
        var now = await RedisUtc();
        var token = Guid.NewGuid();
        await Schedule(token, now.AddHours(1), "SELLER", Notice, Sellers);
        await Schedule(token, now.AddHours(2), "BUYER", Reminder, Buyers);

        var counts = await Messages.Counts();
        Assert.Equal(1, counts.Waiting);
        Assert.Equal(new LabelCount(1, 0), Assert.Single(counts.ByMessageType, kv => kv.Key == Reminder).Value);
        Assert.DoesNotContain(Notice, counts.ByMessageType.Keys);
        Assert.DoesNotContain("SELLER", counts.ByChannel.Keys);

        Assert.Equal(ScheduledMessageChange.Done, await Messages.Cancel(token.ToString("D")));
        counts = await Messages.Counts();
        Assert.Empty(counts.ByMessageType);
        Assert.Empty(counts.ByDestination);
        Assert.Empty(counts.ByChannel);
        foreach (var partition in Store.Keyspace.Partitions)
            Assert.False(await Db.KeyExistsAsync(partition.Counts), "a count that fell to zero leaves no field, and an empty hash no key");
    }

    [Fact]
    public async Task An_entry_written_without_a_label_is_in_the_state_counts_only()
    {
        var now = await RedisUtc();
        Store.CountEntries = false;
        await Schedule(Guid.NewGuid(), now.AddHours(1), "SELLER", Notice, Sellers);
        Store.CountEntries = true;
        await Schedule(Guid.NewGuid(), now.AddHours(1), "SELLER", Notice, Sellers);

        var counts = await Messages.Counts();
        Assert.Equal(2, counts.Waiting);
        Assert.Equal(new LabelCount(1, 0), counts.ByMessageType[Notice]);
        await AssertCountsMatchScan("with an entry without label");
    }
}
