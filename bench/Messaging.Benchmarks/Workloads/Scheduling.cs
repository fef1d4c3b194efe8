using System.Diagnostics;
using MassTransit;
using Messaging.Benchmarks.Infrastructure;

namespace Messaging.Benchmarks.Workloads;

/// <summary>Schedules many messages through <see cref="IMessageScheduler" />, some number in flight, and times it.</summary>
internal static class Scheduling
{
    /// <summary>Schedules messages <paramref name="first" /> to <paramref name="first" /> + <paramref name="count" /> - 1.</summary>
    /// <returns>Seconds taken, and the tokens of the first few messages (for HSTRLEN).</returns>
    public static async Task<(double Seconds, Guid[] Sample)> Many(IMessageScheduler scheduler, Notifications notifications, int first, int count,
        int inFlight, Func<int, DateTime> due, CancellationToken cancellationToken)
    {
        var sample = new Guid[Math.Min(20, count)];
        var started = Stopwatch.GetTimestamp();
        await Lanes.Run(count, inFlight, async i =>
        {
            var seq = first + i;
            var scheduled = await scheduler.SchedulePublish(due(seq), notifications.Create(seq), cancellationToken);
            if (i < sample.Length)
                sample[i] = scheduled.TokenId;
        }, cancellationToken);
        return (Stopwatch.GetElapsedTime(started).TotalSeconds, sample);
    }

    /// <summary>Due 1 to 2 minutes from now, spread by message number: nothing becomes due during a measurement.</summary>
    public static Func<int, DateTime> OneToTwoMinutes()
    {
        var now = DateTime.UtcNow;
        return seq => now.AddMinutes(1).AddMilliseconds(seq % 60_000);
    }

    /// <summary>Due a day from now and later: pending for the whole benchmark.</summary>
    public static Func<int, DateTime> FarFuture()
    {
        var now = DateTime.UtcNow;
        return seq => now.AddDays(1).AddMilliseconds(seq);
    }

    /// <summary>Schedules <paramref name="count" /> messages all due at one instant, far enough ahead that scheduling and the
    /// worker's start are over by then (estimated from the warm-up's rate), through a producer of its own.</summary>
    /// <returns>The instant they are due, on a whole millisecond.</returns>
    public static async Task<DateTime> AllAtOnce(BenchContext bench, string prefix, Notifications notifications, int count)
    {
        var due = DateTime.UtcNow + TimeSpan.FromSeconds(count / bench.ScheduleRateEstimate * 1.5 + 3);
        due = new DateTime(due.Ticks - due.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
        await using (var producer = await BenchHost.Start(bench, HostRole.Producer, prefix))
            await Many(producer.Scheduler, notifications, 0, count, bench.Options.InFlight, _ => due, bench.Cancellation);
        return due;
    }
}
