using MassTransit;
using MassTransit.Scheduling;
using Messaging.Scheduler.Tests.Infrastructure;
using StackExchange.Redis;

namespace Messaging.Scheduler.Tests;

/// <summary>Recurring schedules through the scheduler endpoint, with MassTransit's <see cref="IRecurringMessageScheduler" />.</summary>
public class RecurringTests
{
    readonly RedisTarget _target;

    /// <summary>On the single Redis.</summary>
    public RecurringTests() : this(RedisTarget.Single)
    {
    }

    /// <summary>On <paramref name="target" />.</summary>
    protected RecurringTests(RedisTarget target)
    {
        _target = target;
    }

    sealed class Schedule : DefaultRecurringSchedule
    {
        public Schedule(string id, string cron, DateTimeOffset start, DateTimeOffset? end, string? timeZoneId = null)
        {
            ScheduleId = id;
            ScheduleGroup = "tests";
            CronExpression = cron;
            StartTime = start;
            EndTime = end;
            TimeZoneId = timeZoneId ?? TimeZoneInfo.Utc.Id;
        }
    }

    async Task<DateTimeOffset> NextWholeSecond(int plusSeconds)
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(await TestServers.RedisNow(await _target.Database()));
        return DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() + plusSeconds);
    }

    Task<bool> ScheduleExists(TestBus bus, string id) => Exists(bus, id, "recurring");

    async Task<bool> Exists(TestBus bus, string id, string hash)
    {
        var db = await _target.Database();
        var token = RecurringDefinition.TokenFor(id, "tests");
        return await db.HashExistsAsync(bus.PartitionOf(token).Root + hash, token.ToString("N"));
    }

    [Fact]
    public async Task An_every_second_schedule_fires_once_per_second_between_its_start_and_end()
    {
        var queue = TestServers.UniqueName("recurring");
        await using var bus = await _target.Start(nameof(An_every_second_schedule_fires_once_per_second_between_its_start_and_end), s => s.SchedulerEndpoint = queue);
        var start = await NextWholeSecond(3);

        await bus.RecurringScheduler.ScheduleRecurringPublish(new Schedule("every-second", "* * * * * ?", start, start.AddSeconds(3)), bus.Probe(1));

        await Wait.Until(async () => await ScheduleExists(bus, "every-second"), TimeSpan.FromSeconds(30), "the schedule is stored");
        await Wait.Until(async () => !await ScheduleExists(bus, "every-second"), TimeSpan.FromSeconds(30), "the schedule ended");
        await bus.Log.WaitFor(4, TimeSpan.FromSeconds(10));
        var deliveries = bus.Log.Deliveries.OrderBy(d => d.RedisTimeMs).ToList();
        Assert.Equal(4, deliveries.Count);
        for (var i = 0; i < 4; i++)
            Timing.OnTime(deliveries[i], start.AddSeconds(i).UtcDateTime);
        Assert.Equal(4, deliveries.Select(d => d.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task A_cron_schedule_in_a_time_zone_fires_the_expected_number_of_times_in_a_window()
    {
        var queue = TestServers.UniqueName("recurring");
        await using var bus = await _target.Start(nameof(A_cron_schedule_in_a_time_zone_fires_the_expected_number_of_times_in_a_window), s => s.SchedulerEndpoint = queue);
        var start = await NextWholeSecond(3);
        if (start.ToUnixTimeSeconds() % 2 == 1)
            start = start.AddSeconds(1);
        var schedule = new Schedule("even-seconds", "*/2 * * * * ?", start, start.AddSeconds(5), "America/Sao_Paulo");

        await bus.RecurringScheduler.ScheduleRecurringPublish(schedule, bus.Probe(1));

        await Wait.Until(async () => await ScheduleExists(bus, "even-seconds"), TimeSpan.FromSeconds(30), "the schedule is stored");
        await Wait.Until(async () => !await ScheduleExists(bus, "even-seconds"), TimeSpan.FromSeconds(30), "the schedule ended");
        await bus.Log.WaitFor(3, TimeSpan.FromSeconds(10));
        var deliveries = bus.Log.Deliveries.OrderBy(d => d.RedisTimeMs).ToList();
        Assert.Equal(3, deliveries.Count);
        for (var i = 0; i < 3; i++)
            Timing.OnTime(deliveries[i], start.AddSeconds(2 * i).UtcDateTime);
    }

    [Fact]
    public async Task A_cancelled_schedule_stops_and_a_paused_one_waits_until_resumed()
    {
        var queue = TestServers.UniqueName("recurring");
        await using var bus = await _target.Start(nameof(A_cancelled_schedule_stops_and_a_paused_one_waits_until_resumed), s => s.SchedulerEndpoint = queue);
        var start = await NextWholeSecond(2);
        var scheduler = bus.RecurringScheduler;
        await scheduler.ScheduleRecurringPublish(new Schedule("paused", "* * * * * ?", start, null), bus.Probe(1));
        await scheduler.ScheduleRecurringPublish(new Schedule("cancelled", "* * * * * ?", start, null), bus.Probe(2));

        await Wait.Until(() => bus.Log.Deliveries.Count(d => d.Message.Number == 1) >= 2 && bus.Log.Deliveries.Count(d => d.Message.Number == 2) >= 2,
            TimeSpan.FromSeconds(30), "both schedules fired twice");
        await scheduler.PauseScheduledRecurringSend("paused", "tests");
        await scheduler.CancelScheduledRecurringSend("cancelled", "tests");
        await Wait.Until(async () => await Exists(bus, "paused", "paused") && !await ScheduleExists(bus, "cancelled"), TimeSpan.FromSeconds(30),
            "the pause and the cancel are stored");
        var pausedCount = bus.Log.Deliveries.Count(d => d.Message.Number == 1);
        var cancelledCount = bus.Log.Deliveries.Count(d => d.Message.Number == 2);

        // Two and a half seconds on, a sentinel shows that the time passed: at most an occurrence in flight got through.
        await bus.Scheduler.SchedulePublish(DateTime.UtcNow.AddMilliseconds(2500), bus.Probe(3));
        await Wait.Until(() => bus.Log.Deliveries.Any(d => d.Message.Number == 3), TimeSpan.FromSeconds(30), "the sentinel arrived");
        Assert.InRange(bus.Log.Deliveries.Count(d => d.Message.Number == 1), pausedCount, pausedCount + 1);
        Assert.InRange(bus.Log.Deliveries.Count(d => d.Message.Number == 2), cancelledCount, cancelledCount + 1);
        var afterPause = bus.Log.Deliveries.Count(d => d.Message.Number == 1);

        await scheduler.ResumeScheduledRecurringSend("paused", "tests");
        await Wait.Until(() => bus.Log.Deliveries.Count(d => d.Message.Number == 1) >= afterPause + 2, TimeSpan.FromSeconds(30), "the resumed schedule fires again");
        Assert.InRange(bus.Log.Deliveries.Count(d => d.Message.Number == 2), cancelledCount, cancelledCount + 1);
        await scheduler.CancelScheduledRecurringSend("paused", "tests");
    }

    [Fact]
    public async Task A_worker_stopped_and_started_again_mid_schedule_neither_skips_nor_repeats_an_occurrence()
    {
        const string name = nameof(A_worker_stopped_and_started_again_mid_schedule_neither_skips_nor_repeats_an_occurrence);
        var queue = TestServers.UniqueName("recurring");

        // The consuming service (with the scheduler endpoint) stays up; the worker that runs the bridge restarts.
        await using var service = await _target.Start(name, s =>
        {
            s.Bridge = false;
            s.SchedulerEndpoint = queue;
        });
        void Worker(TestBusSettings s)
        {
            s.Consumers = false;
            s.KeyPrefix = service.KeyPrefix;
            // Not 1 s: the broker's confirm may wait at most four fifths of the lease, and with 1 s a confirm that took more
            // than 800 ms in a loaded CI run gave the occurrence back after RabbitMQ had routed it, so it came twice (at-least-once,
            // not what this test is about). The worker stops gracefully here; no lease has to run out.
            s.Scheduler = o => o.LeaseDuration = TimeSpan.FromSeconds(5);
        }

        // The cron fires on seconds divisible by three: start on one.
        var start = await NextWholeSecond(3);
        start = start.AddSeconds((3 - start.ToUnixTimeSeconds() % 3) % 3);
        var occurrences = Enumerable.Range(0, 4).Select(i => start.AddSeconds(3 * i)).ToList();
        await using (await _target.Start(name, Worker))
        {
            await service.RecurringScheduler.ScheduleRecurringPublish(new Schedule("restart", "*/3 * * * * ?", start, occurrences[^1]), service.Probe(1));
            await service.Log.WaitFor(1, TimeSpan.FromSeconds(30));
        }

        await using (await _target.Start(name, Worker))
            await Wait.Until(async () => !await ScheduleExists(service, "restart"), TimeSpan.FromSeconds(60), "the schedule ended");

        await service.Log.WaitFor(occurrences.Count, TimeSpan.FromSeconds(10));
        var deliveries = service.Log.Deliveries.OrderBy(d => d.RedisTimeMs).ToList();
        Assert.Equal(occurrences.Count, deliveries.Count);
        Assert.Equal(occurrences.Count, deliveries.Select(d => d.MessageId).Distinct().Count());
        for (var i = 0; i < occurrences.Count; i++)
            Timing.OnTime(deliveries[i], occurrences[i].UtcDateTime);
    }
}
