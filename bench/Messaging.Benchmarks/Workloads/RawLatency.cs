using System.Diagnostics;
using MassTransit;
using Messaging.Benchmarks.Infrastructure;
using Messaging.Benchmarks.Reporting;

namespace Messaging.Benchmarks.Workloads;

/// <summary>
/// The floor under lateness: plain MassTransit publishing at the steady rate (no scheduler) on the same RabbitMQ and
/// endpoint settings; latency is consumer receive time minus the moment the publish started. Also the publish call's
/// own duration, which is RabbitMQ's publisher-confirm round trip (the bridge waits for it before acknowledging).
/// </summary>
internal static class RawLatency
{
    public static async Task<RawLatencyResult> Run(BenchContext bench)
    {
        var ct = bench.Cancellation;
        var rate = bench.Options.SteadyRate;
        var total = (int)(rate * (bench.Options.Quick ? 1 : 5));
        var prefix = bench.NewPrefix("rawlat");
        var tracker = new RunTracker(prefix.TrimEnd(':'), total);
        var notifications = new Notifications(tracker);
        await using var host = await BenchHost.Start(bench, HostRole.Raw, prefix, tracker);
        var bus = host.Bus;
        await bus.Publish(new Notifications(new RunTracker(prefix.TrimEnd(':') + "w", 1)).Create(0), ct);

        var started = new long[total];
        var confirm = new double[total];
        var tasks = new Task[total];
        var issued = 0;
        var clock = Stopwatch.StartNew();
        using (var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(2)))
        {
            while (issued < total)
            {
                var target = Math.Min(total, (int)(rate * clock.Elapsed.TotalSeconds) + 1);
                while (issued < target)
                {
                    var i = issued++;
                    started[i] = DateTime.UtcNow.Ticks;
                    tasks[i] = PublishOne(bus, notifications, i, confirm, ct);
                }

                if (issued < total)
                    await timer.WaitForNextTickAsync(ct);
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        await Task.WhenAll(tasks);
        await tracker.RequireAll(TimeSpan.FromSeconds(60), $"run {bench.Run}: raw latency", ct);
        var received = tracker.ReceivedTicks;
        var latency = new double[total];
        for (var i = 0; i < total; i++)
            latency[i] = (received[i] - started[i]) / (double)TimeSpan.TicksPerMillisecond;
        Array.Sort(latency);
        Array.Sort(confirm);
        var result = new SteadyResult(total, Stats.Percentile(latency, 50), Stats.Percentile(latency, 95), Stats.Percentile(latency, 99), latency[^1],
            latency[0], 0, total / seconds, 0, tracker.Duplicates, double.NaN, double.NaN, 0);
        return new RawLatencyResult(result, Stats.Percentile(confirm, 50), Stats.Percentile(confirm, 99));
    }

    static async Task PublishOne(IBus bus, Notifications notifications, int seq, double[] confirm, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        await bus.Publish(notifications.Create(seq), ct);
        confirm[seq] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }
}
