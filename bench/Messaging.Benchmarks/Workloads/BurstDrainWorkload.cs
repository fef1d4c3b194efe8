using Messaging.Benchmarks.Infrastructure;

namespace Messaging.Benchmarks.Workloads;

/// <summary>
/// Burst drain: N messages all due at one instant, scheduled while no bridge runs; then the worker (bridge + counting
/// consumer) starts before that instant and delivers them. Rate from the due time (or the bridge start, if later) to the
/// last consumption, against raw MassTransit publish-and-consume of N messages on the same RabbitMQ. With --direct, N more
/// are drained by the direct RabbitMQ.Client path (<see cref="DirectDrain" />) in the same run.
/// </summary>
internal sealed class BurstDrainWorkload : IWorkload
{
    public string Name => "burst";

    public async Task Run(BenchContext bench)
    {
        var n = bench.Options.BurstCount;
        var ct = bench.Cancellation;
        var prefix = bench.NewPrefix("burst");
        var tracker = new RunTracker(prefix.TrimEnd(':'), n);
        var notifications = new Notifications(tracker);
        string? directPrefix = null;
        try
        {
            // Issue 12's experiment: as many messages again, due at one instant, drained by the direct path; first in
            // even runs and last in odd ones, so that neither side always has the machine warmer.
            async Task<DrainResult> Direct()
            {
                directPrefix = bench.NewPrefix("burst-direct");
                var directTracker = new RunTracker(directPrefix.TrimEnd(':'), n);
                var directDue = await Scheduling.AllAtOnce(bench, directPrefix, new Notifications(directTracker), n);
                bench.Progress($"burst: {n} scheduled for the direct path, due in {(directDue - DateTime.UtcNow).TotalSeconds:0.0} s");
                return await DirectDrain.Run(bench, directPrefix, directTracker, directDue, Drain.Timeout(n));
            }

            var directFirst = bench.Options.DirectPath && bench.Run % 2 == 0;
            var direct = directFirst ? await Direct() : null;

            var due = await Scheduling.AllAtOnce(bench, prefix, notifications, n);

            bench.Progress($"burst: {n} scheduled, due in {(due - DateTime.UtcNow).TotalSeconds:0.0} s; starting the worker");
            var worker = await Drain.Worker(bench, prefix, tracker, due, Drain.Timeout(n));
            var raw = await Drain.Raw(bench, n, Drain.Timeout(n));
            DrainReport.Add(bench, Name, "burst drain", worker, raw);

            if (bench.Options.DirectPath)
                DrainReport.AddDirect(bench, Name, "burst drain", direct ?? await Direct(), worker, raw, directFirst);
        }
        finally
        {
            await bench.Redis.DeletePrefix(prefix, CancellationToken.None);
            if (directPrefix != null)
                await bench.Redis.DeletePrefix(directPrefix, CancellationToken.None);
        }
    }
}
