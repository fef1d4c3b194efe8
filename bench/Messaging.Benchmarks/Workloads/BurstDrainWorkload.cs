using Messaging.Benchmarks.Infrastructure;

namespace Messaging.Benchmarks.Workloads;

/// <summary>
/// Burst drain: N messages all due at one instant, scheduled while no bridge runs; then the worker (bridge + counting
/// consumer) starts before that instant and delivers them. Rate from the due time (or the bridge start, if later) to the
/// last consumption, against raw MassTransit publish-and-consume of N messages on the same RabbitMQ.
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
        try
        {
            var due = await Scheduling.AllAtOnce(bench, prefix, notifications, n);

            bench.Progress($"burst: {n} scheduled, due in {(due - DateTime.UtcNow).TotalSeconds:0.0} s; starting the worker");
            var worker = await Drain.Worker(bench, prefix, tracker, due, Drain.Timeout(n));
            var raw = await Drain.Raw(bench, n, Drain.Timeout(n));
            DrainReport.Add(bench, Name, "burst drain", worker, raw);
        }
        finally
        {
            await bench.Redis.DeletePrefix(prefix, CancellationToken.None);
        }
    }
}
