using MassTransit.Scheduling;

namespace Messaging.Scheduler.Tests.Inspection;

/// <summary><see cref="IRedisScheduledMessages.ListRecurring" />: every recurring schedule, a page at a time.</summary>
public sealed class RecurringListTests() : BrowseTestBase("recurring-list")
{
    [Fact]
    public async Task Pages_of_recurring_schedules_walk_them_all_with_their_state()
    {
        var now = await RedisUtc();
        var tokens = new List<string>();
        for (var i = 0; i < 9; i++)
        {
            var definition = new RecurringDefinition($"schedule-{i}", "tests", "0 0 * * * ?", "UTC", now, null, MissedEventPolicy.Default);
            tokens.Add((await Schedule(new Reminder($"hourly {i}", "+55"), now.AddMinutes(30 + i), recurring: definition, token: definition.Token)).Key);
        }

        await ScheduleMany(20, i => now.AddMinutes(i));
        Assert.True(await Store.ChangeRecurring(RecurringDefinition.TokenFor("schedule-4", "tests"), RecurringChange.Pause));

        var all = new List<RecurringScheduleInfo>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await Api.ListRecurring(cursor, 2);
            all.AddRange(page.Items);
            cursor = page.NextCursor;
            Assert.True(++pages < 50);
        }
        while (cursor != null);

        Assert.Equal(tokens.Order(StringComparer.Ordinal), all.Select(s => s.Token).Distinct().Order(StringComparer.Ordinal));
        var paused = Assert.Single(all.Where(s => s.Paused).DistinctBy(s => s.Token));
        Assert.Equal("schedule-4", paused.ScheduleId);
        Assert.All(all, s =>
        {
            Assert.Equal("tests", s.ScheduleGroup);
            Assert.Equal(ReminderType, s.MessageType);
            Assert.Equal(Reminders.ToString(), s.Destination);
            Assert.False(s.InFlight);
            Assert.Equal(now.AddMinutes(30 + int.Parse(s.ScheduleId["schedule-".Length..], System.Globalization.CultureInfo.InvariantCulture)), s.NextOccurrenceUtc);
        });
        await Assert.ThrowsAsync<ArgumentException>(() => Api.ListRecurring("garbage", 2));
    }
}
