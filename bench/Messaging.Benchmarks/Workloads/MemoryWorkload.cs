using Messaging.Benchmarks.Infrastructure;
using Messaging.Benchmarks.Reporting;

namespace Messaging.Benchmarks.Workloads;

/// <summary>
/// Memory: Redis <c>used_memory</c> before and after N pending messages, per message, and what is left beyond the message
/// body (the message's own JSON, as issue 5 defines it) and beyond the stored entry (<c>HSTRLEN</c> of the entry), with
/// trigger keys off and on.
/// </summary>
internal sealed class MemoryWorkload : IWorkload
{
    public string Name => "memory";

    static async Task<long> MemoryUsage(BenchContext bench, string key) =>
        (long)await bench.Redis.Database.ExecuteAsync("MEMORY", "USAGE", key, "SAMPLES", "0");

    public async Task Run(BenchContext bench)
    {
        var n = bench.Options.MemoryCount;
        foreach (var triggerKeys in new[] { false, true })
        {
            var prefix = bench.NewPrefix(triggerKeys ? "memon" : "memoff");
            var tracker = new RunTracker(prefix.TrimEnd(':'), n + 1);
            var notifications = new Notifications(tracker);
            try
            {
                await using var producer = await BenchHost.Start(bench, HostRole.Producer, prefix, configure: o => o.TriggerKeys = triggerKeys);

                // The first message creates the index keys and the scheduler's connection: not counted.
                await Scheduling.Many(producer.Scheduler, notifications, n, 1, 1, Scheduling.FarFuture(), bench.Cancellation);
                await bench.Redis.LazyFreeDone(bench.Cancellation);
                var before = await bench.Redis.UsedMemory();

                var (_, sample) = await Scheduling.Many(producer.Scheduler, notifications, 0, n, bench.Options.InFlight, Scheduling.FarFuture(),
                    bench.Cancellation);
                var after = await bench.Redis.UsedMemory();
                var entry = await EntrySize.Of(bench.Redis, prefix, sample);
                var pending = await bench.Redis.Database.SortedSetLengthAsync(prefix + "{0}:due");
                if (pending != n + 1)
                    throw new BenchmarkFailedException($"memory: {pending} entries in the due index, expected {n + 1}");

                var perMessage = (after - before) / (double)n;
                var dueBytes = await MemoryUsage(bench, prefix + "{0}:due") / (double)(n + 1);
                var entriesBytes = await MemoryUsage(bench, prefix + "{0}:entries") / (double)(n + 1);
                var body = Notifications.JsonSize(notifications.Create(0));
                var keys = triggerKeys ? "on" : "off";
                var run = bench.Run;
                bench.Results.Add(run, new Measurement(Name, $"Redis bytes per pending message beyond the message body, trigger keys {keys}", "B",
                    perMessage - body, Target: triggerKeys ? null : Target.AtMost(400, "B")));
                bench.Results.Add(run, new Measurement(Name, $"Redis bytes per pending message beyond the stored entry, trigger keys {keys}", "B",
                    perMessage - entry));
                bench.Results.Add(run, new Measurement(Name, $"Redis bytes per pending message in all, trigger keys {keys}", "B", perMessage));
                bench.Results.Add(run, new Measurement(Name, $"  of which due index (MEMORY USAGE of the zset / n), trigger keys {keys}", "B", dueBytes));
                bench.Results.Add(run, new Measurement(Name, $"  of which entries hash, entry included (MEMORY USAGE / n), trigger keys {keys}", "B",
                    entriesBytes));
                if (!triggerKeys)
                {
                    bench.Results.Add(run, new Measurement(Name, "stored entry (HSTRLEN <prefix>{0}:entries <token>)", "B", entry));
                    bench.Results.Add(run, new Measurement(Name, "message body: the bare message JSON (SellerNotification)", "B", body));
                }
            }
            finally
            {
                await bench.Redis.DeletePrefix(prefix, CancellationToken.None);
            }
        }
    }
}
