using System.Diagnostics;
using Messaging.Benchmarks.Infrastructure;
using Messaging.Benchmarks.Reporting;
using Messaging.Scheduler;

namespace Messaging.Benchmarks.Workloads;

/// <summary>
/// The steady workload's core: a worker (bridge + counting consumer) runs; a producer schedules messages at a fixed rate,
/// each due a fixed lead after it is scheduled; the consumer notes when each arrives. Lateness is receive time minus due
/// time, both read from this machine's clock (the Redis TIME is read once to check that the two clocks agree).
/// </summary>
internal static class SteadyRun
{
    const int MaxInFlight = 256;

    public static async Task<SteadyResult> Run(BenchContext bench, string prefix, Action<RedisSchedulerOptions>? configure = null)
    {
        var ct = bench.Cancellation;
        var rate = bench.Options.SteadyRate;
        var lead = bench.Options.SteadyLead;
        var total = (int)(rate * bench.Options.SteadyDuration.TotalSeconds);
        var runId = prefix.TrimEnd(':') + "s";
        var tracker = new RunTracker(runId, total);
        var notifications = new Notifications(tracker);

        await using var worker = await BenchHost.Start(bench, HostRole.Worker, prefix, tracker, configure);
        await using var producer = await BenchHost.Start(bench, HostRole.Producer, prefix, configure: configure);
        var scheduler = producer.Scheduler;

        // Connect the producer's scheduler to Redis before the clock starts: one message a day ahead, never delivered here.
        var warm = new Notifications(new RunTracker(runId + "w", 1));
        await scheduler.SchedulePublish(DateTime.UtcNow.AddDays(1), warm.Create(0), ct);

        var offset = await ClockOffset(bench);
        var pendingBefore = await bench.Redis.Database.SortedSetLengthAsync(prefix + "{0}:due");
        bench.ClaimLateness.Clear();
        var diagnostics = await SteadyDiagnostics.Start(bench);

        var due = new long[total];
        using var gate = new SemaphoreSlim(MaxInFlight);
        var tasks = new Task[total];
        var issued = 0;
        var stalls = 0;
        var clock = Stopwatch.StartNew();
        using (var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(2)))
        {
            while (issued < total)
            {
                var target = Math.Min(total, (int)(rate * clock.Elapsed.TotalSeconds) + 1);
                while (issued < target)
                {
                    if (!gate.Wait(0))
                    {
                        stalls++;
                        await gate.WaitAsync(ct);
                    }

                    var i = issued++;
                    var at = DateTime.UtcNow + lead;
                    at = new DateTime((at.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
                    due[i] = at.Ticks;
                    tasks[i] = ScheduleOne(scheduler, at, notifications, i, gate, ct);
                }

                if (issued < total)
                    await timer.WaitForNextTickAsync(ct);
            }
        }

        var scheduling = clock.Elapsed.TotalSeconds;
        await Task.WhenAll(tasks);
        await tracker.RequireAll(lead + TimeSpan.FromSeconds(60), $"run {bench.Run}: steady run on {prefix}", ct);
        if (!await bench.Redis.WaitSettled(prefix, pendingBefore, ct))
            bench.Results.Fail($"run {bench.Run}: 30 s after the last consumption the bridge still had entries in flight or due under {prefix}");
        var claims = bench.ClaimLateness.Sorted();
        await diagnostics.Report(bench, prefix, due, tracker.ReceivedTicks.ToArray(), bench.ClaimLateness.Timed());
        if (stalls > 0)
            bench.Results.Note($"run {bench.Run}, {prefix}: the producer had {MaxInFlight} calls in flight {stalls} time(s) and waited.");

        var received = tracker.ReceivedTicks;
        var lateness = new double[total];
        for (var i = 0; i < total; i++)
            lateness[i] = (received[i] - due[i]) / (double)TimeSpan.TicksPerMillisecond;
        Array.Sort(lateness);

        return new SteadyResult(total, Stats.Percentile(lateness, 50), Stats.Percentile(lateness, 95), Stats.Percentile(lateness, 99),
            lateness[^1], lateness[0], lateness.Count(l => l < 0), total / scheduling, offset, tracker.Duplicates,
            Stats.Percentile(claims, 50), Stats.Percentile(claims, 99), claims.Length);
    }

    static async Task ScheduleOne(MassTransit.IMessageScheduler scheduler, DateTime due, Notifications notifications, int seq, SemaphoreSlim gate,
        CancellationToken ct)
    {
        try
        {
            await scheduler.SchedulePublish(due, notifications.Create(seq), ct);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Redis TIME minus this machine's clock (midpoint of the round trip), ms.</summary>
    static async Task<double> ClockOffset(BenchContext bench)
    {
        var before = DateTime.UtcNow;
        var redis = await bench.Redis.Time();
        var after = DateTime.UtcNow;
        var local = (before.Ticks + (after.Ticks - before.Ticks) / 2 - DateTime.UnixEpoch.Ticks) / (double)TimeSpan.TicksPerMillisecond;
        return redis - local;
    }

    /// <summary>Adds a steady run's lateness figures; p99 and max carry the targets given.</summary>
    public static void Report(BenchContext bench, string workload, string label, SteadyResult result, double p99Target, double? maxTarget,
        SteadyResult? baseline = null, string? baselineLabel = null)
    {
        var run = bench.Run;
        Measurement M(string figure, double value, double? ceiling, Target? target) =>
            new(workload, $"{label}: lateness {figure}", "ms", value, ceiling, ceiling.HasValue ? baselineLabel : null, target);

        bench.Results.Add(run, M("p50", result.P50, baseline?.P50, null));
        bench.Results.Add(run, M("p95", result.P95, baseline?.P95, null));
        bench.Results.Add(run, M("p99", result.P99, baseline?.P99, Target.AtMost(p99Target, "ms")));
        bench.Results.Add(run, M("max", result.Max, baseline?.Max, maxTarget is { } m ? Target.AtMost(m, "ms") : null));
        bench.Results.Add(run, new Measurement(workload, $"{label}: claim lateness p50 (bridge metric: Redis clock at claim - due)", "ms", result.ClaimP50));
        bench.Results.Add(run, new Measurement(workload, $"{label}: claim lateness p99 (bridge metric)", "ms", result.ClaimP99));
        bench.Results.Note($"run {run}, {workload} ({label}): {result.Count} msgs at {result.AchievedRate:0} msg/s scheduled, " +
            $"min lateness {result.Min:0.0} ms ({result.Early} early), {result.Duplicates} duplicates, Redis TIME minus local clock {result.ClockOffsetMs:0.00} ms");
        if (result.Early > 0)
            bench.Results.Fail($"run {run}, {workload} ({label}): {result.Early} message(s) consumed before their due time (min {result.Min:0.0} ms)");
    }
}
