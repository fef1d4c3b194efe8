using System.Globalization;
using Messaging.Benchmarks.Infrastructure;
using Messaging.Benchmarks.Reporting;
using StackExchange.Redis;

namespace Messaging.Benchmarks.Workloads;

/// <summary>
/// The idempotent consumer's cost: the same burst drain (N messages due at one instant, scheduled while no bridge runs)
/// delivered by a worker without and then with <c>UseRedisIdempotentConsumer</c> on its consumer, in the same run; and
/// the memory of the marks it leaves (one per message, kept for the retention), by <c>MEMORY USAGE</c> of a sample.
/// </summary>
internal sealed class IdempotentConsumerWorkload : IWorkload
{
    const int Sample = 500;

    public string Name => "idempotent";

    public async Task Run(BenchContext bench)
    {
        var plain = await Drain(bench, idempotent: false);
        var filtered = await Drain(bench, idempotent: true);
        var run = bench.Run;
        bench.Results.Add(run, new Measurement(Name, $"burst drain with the idempotent consumer ({filtered.Result.Count:#,0} msgs)", "msg/s", filtered.Result.Rate,
            plain.Result.Rate, "the same drain without it"));
        bench.Results.Add(run, new Measurement(Name, "idempotent consumer: CPU of the worker process per 10,000 msgs", "CPU s", filtered.Result.OwnPer10K,
            plain.Result.OwnPer10K, "without it"));
        bench.Results.Add(run, new Measurement(Name, "idempotent consumer: CPU of Redis per 10,000 msgs", "CPU s", filtered.Result.RedisPer10K,
            plain.Result.RedisPer10K, "without it"));
        bench.Results.Add(run, new Measurement(Name, "idempotent consumer: memory per mark (MEMORY USAGE, mean of a sample)", "bytes", filtered.MarkBytes));
        bench.Results.Add(run, new Measurement(Name, "idempotent consumer: used_memory growth per message drained", "bytes", filtered.UsedMemoryPerMessage,
            plain.UsedMemoryPerMessage, "without it"));
        bench.Results.Note(string.Create(CultureInfo.InvariantCulture,
            $"run {run}, idempotent: without the filter {plain.Result.Count} msgs in {plain.Result.Seconds:0.000} s, with it {filtered.Result.Count} msgs in {filtered.Result.Seconds:0.000} s; {filtered.Marks} marks left, {filtered.MarkBytes:0} bytes each (MEMORY USAGE of {Math.Min(Sample, filtered.Marks)})"));
    }

    static async Task<(DrainResult Result, long Marks, double MarkBytes, double UsedMemoryPerMessage)> Drain(BenchContext bench, bool idempotent)
    {
        var n = bench.Options.BurstCount;
        var ct = bench.Cancellation;
        var prefix = bench.NewPrefix(idempotent ? "idem" : "plain");
        var tracker = new RunTracker(prefix.TrimEnd(':'), n);
        var notifications = new Notifications(tracker);
        try
        {
            var due = await Scheduling.AllAtOnce(bench, prefix, notifications, n);

            var before = await bench.Redis.UsedMemory();
            var entries = await bench.Redis.Database.SortedSetLengthAsync(prefix + "{0}:due");
            bench.Progress($"idempotent: {n} scheduled ({entries} waiting), filter {(idempotent ? "on" : "off")}; starting the worker");
            var result = await Workloads.Drain.Worker(bench, prefix, tracker, due, Workloads.Drain.Timeout(n), idempotent);
            var after = await bench.Redis.UsedMemory();

            long marks = 0;
            double bytes = 0;
            var sampled = 0;
            await foreach (var key in bench.Redis.Server.KeysAsync(bench.Redis.Database.Database, prefix + "consumed:*", 1000).WithCancellation(ct))
            {
                marks++;
                if (sampled >= Sample)
                    continue;
                var usage = await bench.Redis.Database.ExecuteAsync("MEMORY", "USAGE", key, "SAMPLES", "0");
                bytes += (long)usage;
                sampled++;
            }

            return (result, marks, sampled == 0 ? 0 : bytes / sampled, (after - before) / (double)n);
        }
        finally
        {
            await bench.Redis.DeletePrefix(prefix, CancellationToken.None);
        }
    }
}
