using MassTransit;
using Messaging.Benchmarks.Infrastructure;

namespace Messaging.Benchmarks.Workloads;

/// <summary>
/// The two sides of a drain comparison: the worker (bridge + counting consumer) delivering what waits in Redis, and the
/// raw ceiling, plain MassTransit publishing the same number of messages with <see cref="RawInFlight" /> in flight and
/// consuming them on the same endpoint settings, in one host as the worker is.
/// </summary>
internal static class Drain
{
    /// <summary>The raw publisher's concurrency: the bridge's default ClaimBatchSize, the number it republishes at once.</summary>
    public const int RawInFlight = 100;

    /// <summary>Starts a worker on <paramref name="prefix" /> and waits until it delivered every message of <paramref name="tracker" />.</summary>
    /// <param name="bench">The benchmark.</param>
    /// <param name="prefix">Where the messages wait.</param>
    /// <param name="tracker">The run's tracker, expecting every scheduled message.</param>
    /// <param name="dueAt">When every message is due (burst), or null when all are overdue already (catch-up).</param>
    /// <param name="timeout">The longest the drain may take.</param>
    /// <param name="idempotent">With the idempotent-consumer filter on the consumer.</param>
    public static async Task<DrainResult> Worker(BenchContext bench, string prefix, RunTracker tracker, DateTime? dueAt, TimeSpan timeout,
        bool idempotent = false)
    {
        await using var worker = await BenchHost.Start(bench, HostRole.Worker, prefix, tracker, idempotent: idempotent);
        var marker = worker.Marker ?? throw new InvalidOperationException("the worker host has no start marker");
        if (!marker.BusWasHealthy)
            bench.Results.Note($"run {bench.Run}: the bus was not yet healthy when the bridge started; the drain start includes part of the bus start-up.");

        CpuSnapshot cpu0;
        long t0;
        string startedAt;
        if (dueAt is { } due && due.Ticks > marker.StartedTicks)
        {
            var wait = due - DateTime.UtcNow;
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait, bench.Cancellation);
            cpu0 = bench.Cpu();
            t0 = due.Ticks;
            startedAt = "due time";
        }
        else
        {
            cpu0 = marker.Cpu;
            t0 = marker.StartedTicks;
            startedAt = "bridge start";
        }

        await tracker.RequireAll(timeout, $"run {bench.Run}: worker drain of {tracker.Expected} messages", bench.Cancellation);
        var cpu = bench.Cpu().Since(cpu0);
        if (!await bench.Redis.WaitSettled(prefix, 0, bench.Cancellation))
            bench.Results.Fail($"run {bench.Run}: 30 s after the last consumption the bridge still had entries in flight or due under {prefix}");
        if (tracker.FirstTicks < t0 && dueAt.HasValue && startedAt == "due time")
            bench.Results.Fail($"run {bench.Run}: a message was consumed {(t0 - tracker.FirstTicks) / 1e4:0.0} ms before it was due");

        return new DrainResult(tracker.Expected, (tracker.LastTicks - t0) / 1e7, cpu, startedAt, tracker.Duplicates);
    }

    /// <summary>The raw ceiling: publishes <paramref name="count" /> messages and waits until all were consumed.</summary>
    public static async Task<DrainResult> Raw(BenchContext bench, int count, TimeSpan timeout)
    {
        var prefix = bench.NewPrefix("raw");
        var tracker = new RunTracker(prefix.TrimEnd(':'), count);
        var notifications = new Notifications(tracker);
        await using var host = await BenchHost.Start(bench, HostRole.Raw, prefix, tracker);
        var bus = host.Bus;
        var ct = bench.Cancellation;

        var cpu0 = bench.Cpu();
        var t0 = DateTime.UtcNow.Ticks;
        await Lanes.Run(count, RawInFlight, i => bus.Publish(notifications.Create(i), ct), ct);
        await tracker.RequireAll(timeout, $"run {bench.Run}: raw publish-and-consume of {count} messages", ct);
        var cpu = bench.Cpu().Since(cpu0);
        return new DrainResult(count, (tracker.LastTicks - t0) / 1e7, cpu, "first publish", tracker.Duplicates);
    }

    /// <summary>A generous bound for draining <paramref name="count" /> messages (at 200 msg/s at least, plus a minute).</summary>
    public static TimeSpan Timeout(int count) => TimeSpan.FromSeconds(60 + count / 200.0);
}
