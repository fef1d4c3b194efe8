using System.Text;
using MassTransit.Scheduling;
using Messaging.Scheduler.Tests.Infrastructure;

namespace Messaging.Scheduler.Tests.MassTransitSpecs;

/// <summary>
/// MassTransit's pause specs ask that a paused schedule sends nothing more. Here a pause that arrives while the next
/// occurrence is already claimed by a bridge does not withdraw that occurrence: it is delivered (withdrawing it would need
/// one more Redis round trip before every publish), and the pause holds every occurrence after it until the schedule is
/// resumed. This pins that documented behaviour (README, Recurring schedules; docs/reliability.md).
/// </summary>
public sealed class PauseInFlightTests() : StoreTestBase("pause-in-flight", new RedisSchedulerOptions())
{
    sealed class EveryMinute : DefaultRecurringSchedule
    {
        public EveryMinute()
        {
            ScheduleId = "pause-in-flight";
            ScheduleGroup = "tests";
            CronExpression = "0 * * * * ?";
            TimeZoneId = TimeZoneInfo.Utc.Id;
        }
    }

    [Fact]
    public async Task A_pause_that_arrives_while_an_occurrence_is_claimed_lets_that_one_through_and_holds_the_next_until_resumed()
    {
        var definition = RecurringDefinition.From(new EveryMinute());
        var token = definition.Token;
        var now = await RedisUtc();
        await Store.Schedule(token, now.AddSeconds(-1), "A", Message("occurrence"), recurring: definition);
        var claimed = Assert.Single((await Store.Claim(Partition)).Messages);

        Assert.True(await Store.ChangeRecurring(token, RecurringChange.Pause));

        // The claimed occurrence is neither withdrawn nor changed: the bridge reads it and publishes it.
        var message = await Store.Read(claimed);
        Assert.Equal("occurrence", Encoding.UTF8.GetString(message.Body.Span));

        // Its acknowledgement still holds, and records the next occurrence (already due here) without making it due.
        var next = new DateTimeOffset(now.AddSeconds(-1), TimeSpan.Zero);
        Assert.True(await Store.Acknowledge(Partition, claimed.Token, claimed.LeaseExpiry, next));
        Assert.Null(await Db.SortedSetScoreAsync(Partition.Due, claimed.Token));
        Assert.Empty((await Store.Claim(Partition)).Messages);

        // Resumed, the schedule is due again.
        Assert.True(await Store.ChangeRecurring(token, RecurringChange.Resume, next));
        var resumed = Assert.Single((await Store.Claim(Partition)).Messages);
        Assert.Equal(claimed.Token, resumed.Token);
    }
}
