using Messaging.Benchmarks.Infrastructure;

namespace Messaging.Benchmarks.Workloads;

/// <summary>
/// Before the first run: schedules and delivers a few thousand messages and publishes a few raw ones, so that the first
/// run is not the one that pays for JIT compilation; also estimates the pipelined schedule rate (for the burst's lead).
/// </summary>
internal static class WarmUp
{
    public static async Task Run(BenchContext bench)
    {
        var n = bench.Options.Quick ? 500 : 2_000;
        var prefix = bench.NewPrefix("warm");
        var tracker = new RunTracker(prefix.TrimEnd(':'), 2 * n);
        var notifications = new Notifications(tracker);
        try
        {
            await using (var worker = await BenchHost.Start(bench, HostRole.Worker, prefix, tracker))
            {
                await using (var producer = await BenchHost.Start(bench, HostRole.Producer, prefix))
                {
                    var soon = DateTime.UtcNow.AddSeconds(1);
                    await Scheduling.Many(producer.Scheduler, notifications, 0, n, bench.Options.InFlight, _ => soon, bench.Cancellation);
                    var (seconds, _) = await Scheduling.Many(producer.Scheduler, notifications, n, n, bench.Options.InFlight, _ => soon,
                        bench.Cancellation);
                    bench.ScheduleRateEstimate = n / seconds;
                }

                await tracker.RequireAll(Drain.Timeout(2 * n), "warm-up", bench.Cancellation);
            }

            await Drain.Raw(bench, n, Drain.Timeout(n));
        }
        finally
        {
            await bench.Redis.DeletePrefix(prefix, CancellationToken.None);
        }
    }
}
