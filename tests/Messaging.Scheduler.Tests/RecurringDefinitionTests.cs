using MassTransit.Scheduling;

namespace Messaging.Scheduler.Tests;

/// <summary>The cron arithmetic of recurring schedules: pure logic, no servers.</summary>
public sealed class RecurringDefinitionTests
{
    sealed class Schedule : DefaultRecurringSchedule
    {
        public Schedule(string cron, string timeZoneId, MissedEventPolicy policy = MissedEventPolicy.Default, DateTimeOffset? end = null)
        {
            ScheduleId = "id";
            ScheduleGroup = "group";
            CronExpression = cron;
            TimeZoneId = timeZoneId;
            StartTime = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
            EndTime = end;
            MisfirePolicy = policy;
        }
    }

    static readonly DateTimeOffset Noon = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("not a cron")]
    [InlineData("0 0 25 * * ?")]
    [InlineData("* * * *")]
    public void An_invalid_cron_expression_is_rejected_with_an_error_that_quotes_it(string cron)
    {
        var error = Assert.Throws<ArgumentException>(() => RecurringDefinition.From(new Schedule(cron, "UTC")));
        Assert.Contains($"'{cron}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("group/id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_time_zone_is_rejected_naming_it()
    {
        var error = Assert.Throws<ArgumentException>(() => RecurringDefinition.From(new Schedule("0 0 8 * * ?", "Mars/Olympus_Mons")));
        Assert.Contains("'Mars/Olympus_Mons'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Occurrences_follow_the_schedules_time_zone()
    {
        var definition = RecurringDefinition.From(new Schedule("0 0 8 * * ?", "America/Sao_Paulo"));

        Assert.Equal(new DateTimeOffset(2026, 11, 27, 11, 0, 0, TimeSpan.Zero), definition.First(Noon));
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 11, 0, 0, TimeSpan.Zero),
            definition.Next(new DateTimeOffset(2026, 11, 27, 11, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 27, 11, 0, 0, 20, TimeSpan.Zero)));
    }

    [Fact]
    public void Quartz_style_seven_field_and_standard_five_field_expressions_are_read()
    {
        Assert.Equal(Noon.AddMinutes(5), RecurringDefinition.From(new Schedule("0 */5 * * * ? *", "UTC")).First(Noon.AddMinutes(1)));
        Assert.Equal(Noon.AddMinutes(5), RecurringDefinition.From(new Schedule("*/5 * * * *", "UTC")).First(Noon.AddMinutes(1)));
    }

    [Fact]
    public void Missed_occurrences_are_sent_once_now_or_skipped_as_the_misfire_policy_says()
    {
        var previous = Noon;
        var now = Noon.AddMinutes(10).AddSeconds(30);

        var send = RecurringDefinition.From(new Schedule("0 * * * * ?", "UTC", MissedEventPolicy.Send));
        var skip = RecurringDefinition.From(new Schedule("0 * * * * ?", "UTC", MissedEventPolicy.Skip));
        var onTime = RecurringDefinition.From(new Schedule("0 * * * * ?", "UTC"));

        Assert.Equal(now, send.Next(previous, now));
        Assert.Equal(Noon.AddMinutes(11), skip.Next(previous, now));
        Assert.Equal(Noon.AddMinutes(1), onTime.Next(previous, Noon.AddSeconds(1)));
    }

    [Fact]
    public void A_schedule_ends_at_its_end_time()
    {
        var definition = RecurringDefinition.From(new Schedule("0 * * * * ?", "UTC", end: Noon.AddMinutes(1)));

        Assert.Equal(Noon.AddMinutes(1), definition.Next(Noon, Noon));
        Assert.Null(definition.Next(Noon.AddMinutes(1), Noon.AddMinutes(1)));
        Assert.Null(definition.First(Noon.AddMinutes(2)));
    }

    [Fact]
    public void The_same_id_and_group_always_give_the_same_token_and_a_definition_survives_the_store()
    {
        var definition = RecurringDefinition.From(new Schedule("0 * * * * ?", "UTC"));

        Assert.Equal(RecurringDefinition.TokenFor("id", "group"), definition.Token);
        Assert.NotEqual(RecurringDefinition.TokenFor("id", "other"), definition.Token);
        var read = RecurringDefinition.Read(definition.Write());
        Assert.Equal(definition.First(Noon), read.First(Noon));
        Assert.Equal(definition.ScheduleGroup, read.ScheduleGroup);
    }

    [Fact]
    public void An_occurrence_missed_by_less_than_the_misfire_threshold_is_delivered_at_once_and_an_older_one_is_not()
    {
        var definition = RecurringDefinition.From(new Schedule("0 * * * * ?", "UTC"));

        // The schedule command arrived just after its first occurrence (the start time, on the minute) was due.
        Assert.Equal(Noon, definition.First(Noon.AddSeconds(1)));
        Assert.Equal(Noon, definition.First(Noon + RecurringDefinition.MisfireThreshold));
        Assert.Equal(Noon.AddMinutes(1), definition.First(Noon + RecurringDefinition.MisfireThreshold + TimeSpan.FromMilliseconds(1)));
    }
}
