using Messaging.Scheduler.Inspection;
using Messaging.Scheduler.Tests.Infrastructure;
namespace Messaging.Scheduler.Tests.Inspection;

/// <summary>The changes of <see cref="IRedisScheduledMessages" />: each answers Done, NotFound or TooLate, and never
/// changes a message a bridge has claimed.</summary>
public sealed class SteeringTests() : InspectionTestBase("steer", new RedisSchedulerOptions { Configuration = TestServers.Redis })
{
    const string Notice = "urn:message:Contracts:Notice";
    const string Reminder = "urn:message:Contracts:Reminder";
    const string Sellers = "rabbitmq://localhost/sellers";
    const string Buyers = "rabbitmq://localhost/buyers";

    [Fact]
    public async Task Cancel_answers_done_for_a_waiting_or_dead_message_too_late_for_one_in_flight_and_not_found_otherwise()
    {
        var now = await RedisUtc();
        var waiting = Guid.NewGuid();
        var inFlight = Guid.NewGuid();
        var dead = Guid.NewGuid();
        await Schedule(inFlight, now.AddSeconds(-1), "SELLER", Notice, Sellers);
        var claimed = await ClaimOne(inFlight);
        await DeadLetter(dead, "SELLER", Notice, Sellers);
        await Schedule(waiting, now.AddHours(1), "SELLER", Notice, Sellers);

        Assert.Equal(ScheduledMessageChange.Done, await Messages.Cancel(waiting.ToString("N")));
        Assert.Equal(ScheduledMessageChange.TooLate, await Messages.Cancel(inFlight.ToString("B")));
        Assert.Equal(ScheduledMessageChange.Done, await Messages.Cancel(dead.ToString()));
        Assert.Equal(ScheduledMessageChange.NotFound, await Messages.Cancel(waiting.ToString()));
        Assert.Equal(ScheduledMessageChange.NotFound, await Messages.Cancel(Guid.NewGuid().ToString()));
        Assert.Equal(ScheduledMessageChange.NotFound, await Messages.Cancel("no-such-token"));
        await Assert.ThrowsAsync<ArgumentException>(() => Messages.Cancel(" "));

        Assert.False(await Db.HashExistsAsync(Partition.Entries, waiting.ToString("N")));
        Assert.False(await Db.HashExistsAsync(Partition.Entries, dead.ToString("N")));
        Assert.Null(await Db.SortedSetScoreAsync(Partition.Dead, dead.ToString("N")));

        // The message in flight was not touched: its claim still acknowledges it.
        Assert.Equal(claimed.LeaseExpiry, await Db.SortedSetScoreAsync(Partition.InFlight, claimed.Token));
        Assert.True(await Store.Acknowledge(Partition, claimed.Token, claimed.LeaseExpiry));
        await AssertCountsMatchScan("after the cancels");
        Assert.Empty((await Messages.Counts()).ByMessageType);
    }

    [Fact]
    public async Task A_rescheduled_message_is_not_claimed_before_its_new_time_and_is_claimed_soon_after()
    {
        var token = Guid.NewGuid();
        await Schedule(token, (await RedisUtc()).AddHours(1), "SELLER", Notice, Sellers);
        var now = await RedisUtc();
        var due = now.AddMilliseconds(1500);

        Assert.Equal(ScheduledMessageChange.Done, await Messages.Reschedule(token.ToString(), due));

        var dueMs = Timing.UnixMs(due);
        Assert.Equal(dueMs, await DueOf(token));
        var ttl = await Db.KeyTimeToLiveAsync(Partition.Trigger("SELLER", token.ToString("N")));
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1500));

        ClaimBatch? batch = null;
        await Wait.Until(async () => (batch = await Store.Claim(Partition)).Messages.Count > 0, TimeSpan.FromSeconds(10), "the rescheduled message is claimed");
        var claimed = Assert.Single(batch!.Messages);
        Assert.Equal(token.ToString("N"), claimed.Token);
        Assert.True(batch.Now >= dueMs, $"claimed at {batch.Now}, before its new due time {dueMs}");
        Assert.True(batch.Now <= dueMs + 2000, $"claimed at {batch.Now}, more than 2 s after its new due time {dueMs}");
    }

    [Fact]
    public async Task Run_now_and_a_time_in_the_past_make_a_waiting_message_due_now_by_the_redis_clock()
    {
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        var now = await RedisUtc();
        await Schedule(first, now.AddHours(1), "SELLER", Notice, Sellers);
        await Schedule(second, now.AddHours(1), "SELLER", Notice, Sellers);

        Assert.Equal(ScheduledMessageChange.Done, await Messages.RunNow(first.ToString()));
        Assert.Equal(ScheduledMessageChange.Done, await Messages.Reschedule(second.ToString(), new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc)));

        var batch = await Store.Claim(Partition);
        Assert.Equal(new[] { first.ToString("N"), second.ToString("N") }.Order(), batch.Messages.Select(m => m.Token).Order());
        Assert.All(batch.Messages, m => Assert.InRange(m.DueMilliseconds, Timing.UnixMs(now), batch.Now));
        Assert.False(await Db.KeyExistsAsync(Partition.Trigger("SELLER", first.ToString("N"))), "a message due now needs no trigger key");
        await AssertCountsMatchScan("after run now");
    }

    [Fact]
    public async Task A_claimed_message_is_never_changed_and_its_acknowledgement_still_works()
    {
        var token = Guid.NewGuid();
        await Schedule(token, (await RedisUtc()).AddSeconds(-1), "SELLER", Notice, Sellers);
        var claimed = await ClaimOne(token);

        Assert.Equal(ScheduledMessageChange.TooLate, await Messages.Reschedule(token.ToString(), DateTime.UtcNow.AddHours(1)));
        Assert.Equal(ScheduledMessageChange.TooLate, await Messages.RunNow(token.ToString()));
        Assert.Equal(ScheduledMessageChange.TooLate, await Messages.Cancel(token.ToString()));

        Assert.Null(await DueOf(token));
        Assert.Equal(claimed.LeaseExpiry, await Db.SortedSetScoreAsync(Partition.InFlight, claimed.Token));
        Assert.True(await Store.Acknowledge(Partition, claimed.Token, claimed.LeaseExpiry));
        Assert.False(await Db.HashExistsAsync(Partition.Entries, claimed.Token));
    }

    [Fact]
    public async Task Reschedule_finds_nothing_for_a_dead_letter_or_an_unknown_token()
    {
        var dead = Guid.NewGuid();
        await DeadLetter(dead, "SELLER", Notice, Sellers);

        Assert.Equal(ScheduledMessageChange.NotFound, await Messages.RunNow(dead.ToString()));
        Assert.Equal(ScheduledMessageChange.NotFound, await Messages.Reschedule(Guid.NewGuid().ToString(), DateTime.UtcNow));
        Assert.NotNull(await Db.SortedSetScoreAsync(Partition.Dead, dead.ToString("N")));
        Assert.Null(await DueOf(dead));
    }

    [Fact]
    public async Task Run_now_on_a_recurring_schedule_delivers_one_extra_occurrence_and_keeps_the_regular_one()
    {
        var now = await RedisUtc();
        var definition = Hourly("run-now", now);
        var regular = definition.First(now)!.Value;
        await Schedule(definition.Token, regular.UtcDateTime, "SELLER", Notice, Sellers, definition);

        Assert.Equal(ScheduledMessageChange.Done, await Messages.RunNow(definition.Token.ToString()));
        var batch = await Store.Claim(Partition);
        var claimed = Assert.Single(batch.Messages);
        var occurrence = Assert.IsType<RecurringOccurrence>(claimed.Recurring);
        Assert.InRange(occurrence.OccurrenceMilliseconds, Timing.UnixMs(now), batch.Now);
        Assert.NotEqual(occurrence.MessageId(claimed.Token), new RecurringOccurrence(occurrence.Definition, regular.ToUnixTimeMilliseconds()).MessageId(claimed.Token));

        // As the bridge acknowledges it: the next occurrence from the one just delivered is the regular one.
        var next = occurrence.Next(occurrence.ReadDefinition(), DateTimeOffset.FromUnixTimeMilliseconds(batch.Now));
        Assert.Equal(regular, next);
        Assert.True(await Store.Acknowledge(Partition, claimed.Token, claimed.LeaseExpiry, next));
        Assert.Equal(regular.ToUnixTimeMilliseconds(), await DueOf(definition.Token));
        Assert.Equal(regular.ToUnixTimeMilliseconds(), (long)await Db.HashGetAsync(Partition.Recurring, claimed.Token + ":at"));
    }

    [Fact]
    public async Task A_paused_schedule_run_now_is_delivered_once_and_stays_paused_until_resumed()
    {
        var now = await RedisUtc();
        var definition = Hourly("paused", now);
        var token = definition.Token.ToString();
        var regular = definition.First(now)!.Value;
        await Schedule(definition.Token, regular.UtcDateTime, "SELLER", Notice, Sellers, definition);

        Assert.Equal(ScheduledMessageChange.NotFound, await Messages.ResumeRecurring(token));
        Assert.Equal(ScheduledMessageChange.Done, await Messages.PauseRecurring(token));
        Assert.Null(await DueOf(definition.Token));
        Assert.Equal(1, (await Messages.Counts()).RecurringPaused);

        Assert.Equal(ScheduledMessageChange.Done, await Messages.RunNow(token));
        var batch = await Store.Claim(Partition);
        var claimed = Assert.Single(batch.Messages);
        var next = claimed.Recurring!.Next(claimed.Recurring.ReadDefinition(), DateTimeOffset.FromUnixTimeMilliseconds(batch.Now));
        Assert.True(await Store.Acknowledge(Partition, claimed.Token, claimed.LeaseExpiry, next));
        Assert.Null(await DueOf(definition.Token));
        Assert.True(await Db.HashExistsAsync(Partition.Paused, claimed.Token));

        Assert.Equal(ScheduledMessageChange.Done, await Messages.ResumeRecurring(token));
        Assert.Equal(regular.ToUnixTimeMilliseconds(), await DueOf(definition.Token));
        var counts = await Messages.Counts();
        Assert.Equal((1, 0), (counts.RecurringActive, counts.RecurringPaused));
        Assert.Equal(ScheduledMessageChange.NotFound, await Messages.PauseRecurring(Guid.NewGuid().ToString()));
    }

    [Fact]
    public async Task Pausing_a_schedule_whose_occurrence_is_in_flight_pauses_it_and_cancel_ends_it()
    {
        var now = await RedisUtc();
        var definition = Hourly("in-flight", now);
        var token = definition.Token.ToString();
        await Schedule(definition.Token, now.AddSeconds(-1), "SELLER", Notice, Sellers, definition);
        var claimed = await ClaimOne(definition.Token);

        Assert.Equal(ScheduledMessageChange.Done, await Messages.PauseRecurring(token));
        Assert.True(await Store.Acknowledge(Partition, claimed.Token, claimed.LeaseExpiry, definition.First(now.AddMinutes(1))));
        Assert.Null(await DueOf(definition.Token));

        Assert.Equal(ScheduledMessageChange.Done, await Messages.Cancel(token));
        Assert.Equal(0, await Db.HashLengthAsync(Partition.Recurring));
        Assert.False(await Db.HashExistsAsync(Partition.Entries, claimed.Token));
        Assert.Equal(ScheduledMessageChange.NotFound, await Messages.PauseRecurring(token));
        var counts = await Messages.Counts();
        Assert.Equal((0, 0), (counts.RecurringActive, counts.RecurringPaused));
        Assert.Empty(counts.ByMessageType);
    }

    [Fact]
    public async Task Dead_letters_are_requeued_or_deleted_in_bulk_by_message_type_destination_and_channel_and_only_those()
    {
        var sellerNotices = new[] { Guid.NewGuid(), Guid.NewGuid() };
        var buyerReminders = new[] { Guid.NewGuid(), Guid.NewGuid() };
        var buyerNotice = Guid.NewGuid();
        var sellerReminder = Guid.NewGuid();
        foreach (var token in sellerNotices)
            await DeadLetter(token, "SELLER", Notice, Sellers);
        foreach (var token in buyerReminders)
            await DeadLetter(token, "BUYER", Reminder, Buyers);
        await DeadLetter(buyerNotice, "BUYER", Notice, Buyers);
        await DeadLetter(sellerReminder, "SELLER", Reminder, Sellers);

        var reported = new List<long>();
        var progress = new SynchronousProgress(reported);
        Assert.Equal(1, await Messages.RequeueDeadLetters(new ScheduledMessageFilter { MessageType = "Notice", Channel = "BUYER" }, progress));
        Assert.Equal(1, reported[^1]);
        Assert.NotNull(await DueOf(buyerNotice));
        Assert.Null(await Db.SortedSetScoreAsync(Partition.Dead, buyerNotice.ToString("N")));
        Assert.Equal(0, (await ClaimOne(buyerNotice)).Attempts);

        Assert.Equal(3, await Messages.DeleteDeadLetters(new ScheduledMessageFilter { Destination = "sellers" }));
        foreach (var token in sellerNotices.Append(sellerReminder))
            Assert.False(await Db.HashExistsAsync(Partition.Entries, token.ToString("N")));

        Assert.Equal(0, await Messages.RequeueDeadLetters(new ScheduledMessageFilter { MessageType = "urn:message:Contracts:Nothing" }));
        Assert.Equal(2, await Messages.RequeueDeadLetters(new ScheduledMessageFilter { MessageType = Reminder, Destination = Buyers }));
        Assert.Equal(0, await Db.SortedSetLengthAsync(Partition.Dead));
        foreach (var token in buyerReminders)
            Assert.NotNull(await DueOf(token));
        await AssertCountsMatchScan("after the bulk changes");
        Assert.Equal(new LabelCount(2, 0), (await Messages.Counts()).ByMessageType[Reminder]);
    }

    [Fact]
    public async Task A_bulk_change_walks_the_dead_letters_a_slice_at_a_time_and_takes_every_match()
    {
        var matching = new List<Guid>();
        for (var i = 0; i < 8; i++)
        {
            var token = Guid.NewGuid();
            await DeadLetter(token, i % 2 == 0 ? "SELLER" : "BUYER", Notice, Sellers);
            if (i % 2 == 0)
                matching.Add(token);
        }

        long cursor = 0, total = 0, calls = 0;
        do
        {
            var (done, next) = await Store.DeadLetterSlice(Partition, DeadLetterAction.Requeue, cursor, 3, [], [], "SELLER");
            total += done;
            cursor = next;
            calls++;
        }
        while (cursor != 0);

        Assert.Equal(4, total);
        Assert.True(calls >= 3, $"{calls} slices of 3 over 8 dead letters");
        Assert.Equal(4, await Db.SortedSetLengthAsync(Partition.Dead));
        foreach (var token in matching)
            Assert.NotNull(await DueOf(token));
        await AssertCountsMatchScan("after the slices");
    }

    /// <summary>Records each report at once (<see cref="Progress{T}" /> posts them later).</summary>
    sealed class SynchronousProgress(List<long> reports) : IProgress<long>
    {
        public void Report(long value) => reports.Add(value);
    }
}
