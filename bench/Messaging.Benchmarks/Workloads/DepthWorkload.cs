using Messaging.Benchmarks.Infrastructure;
using Messaging.Benchmarks.Reporting;

namespace Messaging.Benchmarks.Workloads;

/// <summary>
/// Lateness at depth: the steady run while a large number of other messages wait far in the future in the same index;
/// and the schedule rate (many in flight) at that depth against the same figure on an empty Redis, measured just before.
/// </summary>
internal sealed class DepthWorkload : IWorkload
{
    public string Name => "depth";

    public async Task Run(BenchContext bench)
    {
        var ct = bench.Cancellation;
        var lanes = bench.Options.InFlight;
        var depth = bench.Options.Depth;

        // 1. The schedule rate on an empty Redis (its own prefix, deleted at once).
        var emptyPrefix = bench.NewPrefix("empty");
        double empty;
        try
        {
            empty = await ScheduleRate(bench, emptyPrefix);
        }
        finally
        {
            await bench.Redis.DeletePrefix(emptyPrefix, CancellationToken.None);
        }

        var prefix = bench.NewPrefix("depth");
        try
        {
            // 2. Fill the index: pipelined SchedulePublish, due a day ahead.
            var before = await bench.Redis.UsedMemory();
            var fillTracker = new RunTracker(prefix.TrimEnd(':') + "f", depth);
            double fill;
            await using (var producer = await BenchHost.Start(bench, HostRole.Producer, prefix))
                (fill, _) = await Scheduling.Many(producer.Scheduler, new Notifications(fillTracker), 0, depth, lanes, Scheduling.FarFuture(), ct);
            var after = await bench.Redis.UsedMemory();
            bench.Progress($"depth: {depth} pending ({depth / fill:0} msg/s to fill, Redis used_memory +{(after - before) / 1048576.0:0} MiB)");

            // 3. The steady run at that depth.
            var steady = await SteadyRun.Run(bench, prefix);
            SteadyRun.Report(bench, Name, $"steady 1,000 msg/s at {depth:#,0} pending", steady, 50, null, bench.SteadyWithTriggerKeys,
                "(steady run, empty index)");

            // 4. The schedule rate at that depth (no bridge runs; the messages are due 1-2 minutes later and deleted below).
            var atDepth = await ScheduleRate(bench, prefix);
            bench.Results.Add(bench.Run, new Measurement(Name, $"SchedulePublish rate, {lanes} in flight, at {depth:#,0} pending", "msg/s", atDepth, empty,
                "same on empty Redis", Target.RatioAtLeast(0.80, "empty")));
            bench.Results.Add(bench.Run, new Measurement(Name, $"fill rate to {depth:#,0} pending ({lanes} in flight)", "msg/s", depth / fill));
            bench.Results.Add(bench.Run, new Measurement(Name, $"Redis used_memory per pending message at {depth:#,0} (trigger keys on)", "B",
                (after - before) / (double)depth));
        }
        finally
        {
            await bench.Redis.DeletePrefix(prefix, CancellationToken.None);
        }
    }

    /// <summary>SchedulePublish rate with many in flight, due 1-2 minutes later, after a small unmeasured warm-up.</summary>
    static async Task<double> ScheduleRate(BenchContext bench, string prefix)
    {
        var n = bench.Options.ScheduleCount;
        var tracker = new RunTracker(prefix.TrimEnd(':') + "r", n + 100);
        var notifications = new Notifications(tracker);
        await using var producer = await BenchHost.Start(bench, HostRole.Producer, prefix);
        var due = Scheduling.OneToTwoMinutes();
        await Scheduling.Many(producer.Scheduler, notifications, n, 100, 10, due, bench.Cancellation);
        var (seconds, _) = await Scheduling.Many(producer.Scheduler, notifications, 0, n, bench.Options.InFlight, due, bench.Cancellation);
        return n / seconds;
    }
}
