using MassTransit.Scheduling;

namespace Messaging.Scheduler.Tests.Inspection;

/// <summary><see cref="IRedisScheduledMessages.Show" />: one message in full, its body only where the host allows it.</summary>
public sealed class ShowTests() : BrowseTestBase("show")
{
    [Fact]
    public async Task Show_gives_the_envelope_headers_and_state_but_not_the_body_by_default()
    {
        Assert.False(new RedisSchedulerOptions().ShowMessageBodies);
        var now = await RedisUtc();
        var correlation = Guid.NewGuid();
        var stored = await Schedule(new Reminder("Your parcel is waiting", "+55 11 91234-5678"), now.AddMinutes(15), correlationId: correlation);

        foreach (var token in new[] { stored.Key, stored.Token.ToString("D"), stored.Token.ToString("B").ToUpperInvariant() })
        {
            var details = await Api.Show(token);

            Assert.NotNull(details);
            Assert.Null(details.Body);
            var summary = details.Summary;
            Assert.Equal(stored.Key, summary.Token);
            Assert.Equal(ScheduledMessageState.Waiting, summary.State);
            Assert.Equal(stored.Due, summary.DueUtc);
            Assert.Equal(stored.MessageId, summary.MessageId);
            Assert.Equal(correlation, summary.CorrelationId);
            Assert.Equal(0, summary.Attempts);
            Assert.False(summary.Recurring);
            Assert.Equal([ReminderType], details.MessageTypes);
            Assert.Equal(Reminders.ToString(), details.Addresses["DestinationAddress"]);
            Assert.Equal("rabbitmq://localhost/producer", details.Addresses["SourceAddress"]);
            Assert.Equal("\"pudo-42\"", details.Headers["X-Tenant"]);
            Assert.Equal($"\"{stored.Token:D}\"", details.Headers["MT-Scheduling-TokenId"]);
            Assert.Equal(stored.MessageId, details.Ids["ConversationId"]);
            Assert.DoesNotContain("MessageId", details.Ids.Keys);
            Assert.Equal("application/vnd.masstransit+json", details.ContentType);
            Assert.NotNull(details.SentUtc);
            Assert.Equal(await Db.HashStringLengthAsync(Store.Keyspace.For(stored.Token).Entries, stored.Key), details.StoredBytes);
            Assert.DoesNotContain("91234-5678", System.Text.Json.JsonSerializer.Serialize(details), StringComparison.Ordinal);
        }

        Assert.Null(await Api.Show(Guid.NewGuid().ToString()));
        Assert.Null(await Api.Show("no-such-token"));
    }

    [Fact]
    public async Task Show_of_a_dead_letter_gives_the_reason_and_attempts()
    {
        var now = await RedisUtc();
        var stored = await Schedule(new Reminder("x", "+55"), now.AddSeconds(-1));
        var claimed = Assert.Single((await Store.Claim(Store.Keyspace.For(stored.Token))).Messages);

        var inFlight = await Api.Show(stored.Key);
        Assert.Equal(ScheduledMessageState.InFlight, inFlight!.Summary.State);
        Assert.Equal(DateTime.UnixEpoch.AddMilliseconds(claimed.LeaseExpiry), inFlight.Summary.StateSinceUtc);

        await Store.Release(claimed.Partition, claimed.Token, claimed.LeaseExpiry, TimeSpan.Zero, true, 0, "no route to the exchange");
        var dead = await Api.Show(stored.Key);
        Assert.Equal(ScheduledMessageState.DeadLettered, dead!.Summary.State);
        Assert.Equal("no route to the exchange", dead.Summary.LastFailure);
        Assert.Equal(1, dead.Summary.Attempts);
    }

    [Fact]
    public async Task A_message_being_retried_shows_its_last_failure_in_show_and_in_the_list()
    {
        var now = await RedisUtc();
        var stored = await Schedule(new Reminder("x", "+55"), now.AddSeconds(-1));
        var claimed = Assert.Single((await Store.Claim(Store.Keyspace.For(stored.Token))).Messages);
        await Store.Release(claimed.Partition, claimed.Token, claimed.LeaseExpiry, TimeSpan.FromMinutes(5), true, 10, "RabbitMQ did not confirm");

        var details = await Api.Show(stored.Key);
        Assert.Equal(ScheduledMessageState.Waiting, details!.Summary.State);
        Assert.Equal("RabbitMQ did not confirm", details.Summary.LastFailure);
        Assert.Equal(1, details.Summary.Attempts);
        var listed = Assert.Single((await Api.List(new ScheduledMessageQuery())).Items);
        Assert.Equal("RabbitMQ did not confirm", listed.LastFailure);
        Assert.InRange(listed.DueUtc!.Value, now.AddMinutes(4), now.AddMinutes(6));
    }

    [Fact]
    public async Task A_token_that_is_not_a_guid_is_shown_exactly_as_listed()
    {
        var now = await RedisUtc();
        var stored = await Schedule(new Reminder("copied", "+55"), now.AddMinutes(3));
        var partition = Store.Keyspace.Partitions[2];
        var entry = await Db.HashGetAsync(Store.Keyspace.For(stored.Token).Entries, stored.Key);
        await Db.HashSetAsync(partition.Entries, "planted-token-1", entry);
        await Db.SortedSetAddAsync(partition.Dead, "planted-token-1", Infrastructure.Timing.UnixMs(now));
        await Db.HashSetAsync(partition.DeadReasons, "planted-token-1", "planted");

        var listed = (await Api.List(new ScheduledMessageQuery { State = ScheduledMessageState.DeadLettered })).Items;
        Assert.Equal("planted-token-1", Assert.Single(listed).Token);
        var details = await Api.Show("planted-token-1");
        Assert.Equal(ScheduledMessageState.DeadLettered, details!.Summary.State);
        Assert.Equal(2, details.Summary.Partition);
        Assert.Equal(stored.MessageId, details.Summary.MessageId);
        Assert.Equal("planted", details.Summary.LastFailure);
    }

    [Fact]
    public async Task A_dead_lettered_recurring_occurrence_is_listed_and_shown_under_its_own_token()
    {
        var now = await RedisUtc();
        var definition = new RecurringDefinition("hourly", "dead", "0 0 * * * ?", "UTC", now.AddHours(-1), null, MissedEventPolicy.Default);
        var stored = await Schedule(new Reminder("hourly", "+55"), now.AddSeconds(-1), recurring: definition, token: definition.Token);
        var claimed = Assert.Single((await Store.Claim(Store.Keyspace.For(stored.Token))).Messages);
        var next = new DateTimeOffset(now.AddHours(1));
        await Store.Release(claimed.Partition, claimed.Token, claimed.LeaseExpiry, TimeSpan.Zero, true, 0, "poison", recurring: true, nextOccurrence: next);

        var dead = Assert.Single((await Api.List(new ScheduledMessageQuery { State = ScheduledMessageState.DeadLettered })).Items);
        Assert.StartsWith(stored.Key + "-", dead.Token, StringComparison.Ordinal);
        Assert.Equal("poison", dead.LastFailure);
        var shown = await Api.Show(dead.Token);
        Assert.Equal(ScheduledMessageState.DeadLettered, shown!.Summary.State);
        Assert.Equal(stored.MessageId, shown.Summary.MessageId);
        var schedule = await Api.Show(stored.Key);
        Assert.Equal(ScheduledMessageState.Waiting, schedule!.Summary.State);
        Assert.Equal(next.UtcDateTime, schedule.Summary.DueUtc);
    }

    [Fact]
    public async Task Show_of_a_recurring_schedule_gives_its_definition_and_whether_it_is_paused()
    {
        var now = await RedisUtc();
        var definition = new RecurringDefinition("daily-reminder", "pudo", "0 0 8 * * ?", "UTC", now, null, MissedEventPolicy.Skip);
        var stored = await Schedule(new Reminder("daily", "+55"), now.AddHours(2), recurring: definition, token: definition.Token);

        var details = await Api.Show(stored.Key);
        Assert.True(details!.Summary.Recurring);
        var schedule = details.RecurringSchedule;
        Assert.NotNull(schedule);
        Assert.Equal("daily-reminder", schedule.ScheduleId);
        Assert.Equal("pudo", schedule.ScheduleGroup);
        Assert.Equal("0 0 8 * * ?", schedule.CronExpression);
        Assert.Equal(stored.Due, schedule.NextOccurrenceUtc);
        Assert.False(schedule.Paused);
        Assert.Equal(ReminderType, schedule.MessageType);

        Assert.True(await Store.ChangeRecurring(definition.Token, RecurringChange.Pause));
        var paused = await Api.Show(stored.Key);
        Assert.Equal(ScheduledMessageState.Paused, paused!.Summary.State);
        Assert.True(paused.RecurringSchedule!.Paused);
    }
}
