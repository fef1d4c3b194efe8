using Messaging.Benchmarks.Infrastructure;

namespace Messaging.Benchmarks.Workloads;

/// <summary>
/// Catch-up: N messages become due while no worker runs (their trigger keys expire with nobody listening, the seed's
/// failure case); then the worker starts and delivers them all. Rate from the bridge start to the last consumption,
/// against raw MassTransit publish-and-consume of N messages. With --direct, N more are drained by the direct
/// RabbitMQ.Client path (<see cref="DirectDrain" />) in the same run.
/// </summary>
internal sealed class CatchUpWorkload : IWorkload
{
    public string Name => "catchup";

    public async Task Run(BenchContext bench)
    {
        var n = bench.Options.CatchUpCount;
        var ct = bench.Cancellation;
        var prefix = bench.NewPrefix("catchup");
        var tracker = new RunTracker(prefix.TrimEnd(':'), n);
        var notifications = new Notifications(tracker);
        string? directPrefix = null;
        try
        {
            // Issue 12's experiment: as many messages again, all overdue, drained by the direct path; first in even runs
            // and last in odd ones, so that neither side always has the machine warmer.
            async Task<DrainResult> Direct()
            {
                directPrefix = bench.NewPrefix("catchup-direct");
                var directTracker = new RunTracker(directPrefix.TrimEnd(':'), n);
                await using (var producer = await BenchHost.Start(bench, HostRole.Producer, directPrefix))
                    await Scheduling.Many(producer.Scheduler, new Notifications(directTracker), 0, n, bench.Options.InFlight, _ => DateTime.UtcNow.AddSeconds(1), ct);
                await Task.Delay(TimeSpan.FromSeconds(1.5), ct);
                bench.Progress($"catchup: {n} overdue; starting the direct path");
                return await DirectDrain.Run(bench, directPrefix, directTracker, null, Drain.Timeout(n));
            }

            var directFirst = bench.Options.DirectPath && bench.Run % 2 == 0;
            var direct = directFirst ? await Direct() : null;

            // Each message is due 1 s after it is scheduled.
            await using (var producer = await BenchHost.Start(bench, HostRole.Producer, prefix))
                await Scheduling.Many(producer.Scheduler, notifications, 0, n, bench.Options.InFlight, _ => DateTime.UtcNow.AddSeconds(1), ct);

            // Every message is overdue (and its trigger key expired unheard) before the worker starts.
            await Task.Delay(TimeSpan.FromSeconds(1.5), ct);

            bench.Progress($"catchup: {n} overdue; starting the worker");
            var worker = await Drain.Worker(bench, prefix, tracker, null, Drain.Timeout(n));
            var raw = await Drain.Raw(bench, n, Drain.Timeout(n));
            DrainReport.Add(bench, Name, "catch-up", worker, raw);

            if (bench.Options.DirectPath)
                DrainReport.AddDirect(bench, Name, "catch-up", direct ?? await Direct(), worker, raw, directFirst);
        }
        finally
        {
            await bench.Redis.DeletePrefix(prefix, CancellationToken.None);
            if (directPrefix != null)
                await bench.Redis.DeletePrefix(directPrefix, CancellationToken.None);
        }
    }
}
