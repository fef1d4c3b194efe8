using System.Diagnostics;
using System.Globalization;
using Messaging.Benchmarks.Infrastructure;
using Messaging.Benchmarks.Reporting;
using Messaging.Scheduler.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Benchmarks.Workloads;

/// <summary>
/// Scaling (issue 12): a 3-primary Redis Cluster of the workload's own; for each configuration (P partitions, B bridge
/// processes) the bridges start first, as separate processes (this program in its <c>--bridge-process</c> mode), then a
/// producer schedules N messages all due at one instant, and a consumer in this process receives them. From the due time
/// to the last consumption: the delivery rate, the CPU each process used per delivered message (each bridge process, this
/// consumer process, each primary, RabbitMQ), the bridges' claims by outcome (empty and partial claims show bridges taking
/// work from under each other), how the messages spread over the primaries (hot slots), and that every MessageId was
/// delivered exactly once.
/// </summary>
internal sealed class ScalingWorkload : IWorkload
{
    const int Primaries = 3;

    /// <summary>How long the idle cost is measured after each drain.</summary>
    static readonly TimeSpan IdleWindow = TimeSpan.FromSeconds(5);

    /// <summary>The schedule rate on the cluster seen in the last fill (sizes the next fill's lead time).</summary>
    double _fillRate;

    public string Name => "scaling";

    public async Task Run(BenchContext bench)
    {
        await using var cluster = await RedisCluster.Start(Primaries, bench.Cancellation);
        bench.Progress($"scaling: cluster of {Primaries} primaries on ports {string.Join(", ", cluster.Nodes.Select(n => n.Port))} " +
            $"(pids {string.Join(", ", cluster.Nodes.Select(n => n.Pid))})");
        if (_fillRate <= 0)
            _fillRate = bench.ScheduleRateEstimate;
        foreach (var (partitions, bridges) in bench.Options.ScalingRuns)
        {
            bench.Cancellation.ThrowIfCancellationRequested();
            await One(bench, cluster, partitions, bridges);
        }
    }

    async Task One(BenchContext bench, RedisCluster cluster, int partitions, int bridges)
    {
        var n = bench.Options.ScalingCount;
        var ct = bench.Cancellation;
        var run = bench.Run;
        var what = string.Create(CultureInfo.InvariantCulture, $"{partitions} partitions, {bridges} bridge{(bridges == 1 ? "" : "s")}");
        var prefix = bench.NewPrefix($"scale-p{partitions}-b{bridges}");
        var tracker = new RunTracker(prefix.TrimEnd(':'), n, countMessageIds: true);
        var notifications = new Notifications(tracker);
        var children = new List<BridgeChild>();
        try
        {
            // The consumer first (its queue is bound before anything is published), then the bridges, idle until the due time.
            await using var consumer = await BenchHost.Start(bench, HostRole.Raw, prefix, tracker);
            for (var b = 0; b < bridges; b++)
                children.Add(BridgeChild.Start(b + 1, cluster.Configuration, prefix, partitions, bench.RabbitMq));
            await Task.WhenAll(children.Select(c => c.WaitReady(TimeSpan.FromSeconds(120), ct)));

            // Every message due at one instant, after the fill (its length estimated from the last fill on the cluster).
            var due = DateTime.UtcNow + TimeSpan.FromSeconds(n / _fillRate * 2 + 4);
            due = new DateTime(due.Ticks - due.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
            var perPrimary = new long[Primaries];
            var perPartition = new long[partitions];
            IReadOnlyList<PartitionKeys> keys = [];
            await using (var producer = await BenchHost.Start(bench, HostRole.Producer, prefix, configure: o =>
                         {
                             o.Configuration = cluster.Configuration;
                             o.Partitions = partitions;
                         }))
            {
                var (seconds, _) = await Scheduling.Many(producer.Scheduler, notifications, 0, n, bench.Options.InFlight, _ => due, ct);
                _fillRate = n / seconds;
                bench.Progress($"scaling, {what}: {n} scheduled in {seconds:0.0} s ({_fillRate:#,0}/s); due at {due:HH:mm:ss.fff}");

                // Where the backlog sits: each partition's due index, and the primary that serves its slot.
                keys = producer.Services.GetRequiredService<RedisScheduleStore>().Keyspace.Partitions;
                var db = cluster.Connection.GetDatabase();
                foreach (var partition in keys)
                {
                    var count = await db.SortedSetLengthAsync(partition.Due);
                    perPartition[partition.Partition] = count;
                    perPrimary[cluster.PrimaryOf(partition.Due)] += count;
                }
            }

            if (DateTime.UtcNow >= due)
                bench.Results.Note($"run {run}, scaling, {what}: the fill ended {(DateTime.UtcNow - due).TotalSeconds:0.0} s after the due time; the rate includes the end of the fill.");
            await cluster.ResetStats();
            var waitDue = due - DateTime.UtcNow;
            if (waitDue > TimeSpan.Zero)
                await Task.Delay(waitDue, ct);

            var stats0 = await Task.WhenAll(children.Select(c => c.Stats(ct)));
            var cpu0 = Snapshot(children, cluster, bench.Pids);
            await tracker.RequireAll(Drain.Timeout(n), $"run {run}: scaling drain of {n} messages ({what})", ct);
            var cpu1 = Snapshot(children, cluster, bench.Pids);
            var stats1 = await Task.WhenAll(children.Select(c => c.Stats(ct)));
            var scripts = new (long Calls, long Usec)[Primaries];
            for (var i = 0; i < Primaries; i++)
                scripts[i] = await cluster.CommandStats(i, "evalsha");

            // Every claim acknowledged before the bridges stop, then no delivery more than once.
            var settled = await Messaging.Testing.Wait.TryUntil(async () =>
            {
                var db = cluster.Connection.GetDatabase();
                long left = 0;
                foreach (var partition in keys)
                    left += await db.SortedSetLengthAsync(partition.InFlight) + await db.SortedSetLengthAsync(partition.Due);
                return left == 0;
            }, TimeSpan.FromSeconds(30), ct, TimeSpan.FromMilliseconds(50));
            if (!settled)
                bench.Results.Fail($"run {run}, scaling, {what}: 30 s after the last consumption entries were still due or in flight");

            // Idle: nothing due, every bridge sweeps every partition each SweepInterval (the cost of many bridges x partitions).
            var idleStats0 = await Task.WhenAll(children.Select(c => c.Stats(ct)));
            var idleCpu0 = Snapshot(children, cluster, bench.Pids);
            await Task.Delay(IdleWindow, ct);
            var idleCpu1 = Snapshot(children, cluster, bench.Pids);
            var idleStats1 = await Task.WhenAll(children.Select(c => c.Stats(ct)));
            ReportIdle(bench, what, idleCpu0, idleCpu1, idleStats0, idleStats1);

            foreach (var child in children)
                await child.DisposeAsync();
            children.Clear();
            await Task.Delay(TimeSpan.FromSeconds(1), ct); // a late duplicate would arrive in this second
            var (distinct, repeated) = tracker.MessageIds;
            if (tracker.Duplicates > 0 || repeated > 0 || distinct != n || tracker.Strays > 0)
            {
                bench.Results.Fail($"run {run}, scaling, {what}: {distinct} distinct MessageIds for {n} messages, {repeated} MessageIds and " +
                    $"{tracker.Duplicates} messages received more than once, {tracker.Strays} strays");
            }

            Report(bench, what, n, (tracker.LastTicks - due.Ticks) / 1e7, cpu0, cpu1, stats0, stats1, perPrimary, perPartition, scripts, distinct);
        }
        finally
        {
            foreach (var child in children)
                await child.DisposeAsync();
            await cluster.DeletePrefix(prefix);
        }
    }

    static Cpu Snapshot(List<BridgeChild> children, RedisCluster cluster, ServerPids pids) => new(
        Stopwatch.GetTimestamp(),
        children.Select(c => CpuClock.Process(c.Pid)).ToArray(),
        CpuClock.Process(Environment.ProcessId),
        cluster.Nodes.Select(node => CpuClock.Process(node.Pid)).ToArray(),
        pids.Rabbit is { } rabbit ? CpuClock.Process(rabbit) : double.NaN,
        CpuClock.Machine());

    static void Report(BenchContext bench, string what, int n, double seconds, Cpu cpu0, Cpu cpu1, BridgeStats[] stats0, BridgeStats[] stats1,
        long[] perPrimary, long[] perPartition, (long Calls, long Usec)[] scripts, int distinct)
    {
        var run = bench.Run;
        var wall = Stopwatch.GetElapsedTime(cpu0.Timestamp, cpu1.Timestamp).TotalSeconds;
        double Us(double cpuSeconds) => cpuSeconds / n * 1e6;
        var bridgeCpu = cpu1.Bridges.Zip(cpu0.Bridges, (a, b) => a - b).ToArray();
        var primaryCpu = cpu1.Primaries.Zip(cpu0.Primaries, (a, b) => a - b).ToArray();
        var consumerCpu = cpu1.Own - cpu0.Own;
        var rabbitCpu = cpu1.Rabbit - cpu0.Rabbit;
        var machine = cpu1.Machine - cpu0.Machine;
        var other = machine - bridgeCpu.Sum() - primaryCpu.Sum() - consumerCpu - (double.IsNaN(rabbitCpu) ? 0 : rabbitCpu);
        var claims = stats1.Zip(stats0, (a, b) => a.Since(b)).ToArray();
        long full = claims.Sum(c => c.Full), partial = claims.Sum(c => c.Partial), empty = claims.Sum(c => c.Empty);

        void Add(string figure, string unit, double value) => bench.Results.Add(run, new Measurement("scaling", $"{what}: {figure}", unit, value));
        Add($"delivered-and-consumed rate ({n:#,0} msgs)", "msg/s", n / seconds);
        Add("CPU per message, bridge processes (sum)", "µs", Us(bridgeCpu.Sum()));
        Add("CPU per message, consumer process", "µs", Us(consumerCpu));
        Add("CPU per message, Redis primaries (sum)", "µs", Us(primaryCpu.Sum()));
        if (!double.IsNaN(rabbitCpu))
            Add("CPU per message, RabbitMQ", "µs", Us(rabbitCpu));
        Add("CPU per message, all of these", "µs", Us(bridgeCpu.Sum() + consumerCpu + primaryCpu.Sum() + (double.IsNaN(rabbitCpu) ? 0 : rabbitCpu)));
        Add("claims per 1,000 msgs", "claims", (full + partial + empty) * 1000.0 / n);
        Add("empty claims per 1,000 msgs", "claims", empty * 1000.0 / n);
        Add("partial claims per 1,000 msgs", "claims", partial * 1000.0 / n);
        Add("Lua script calls per message (all primaries)", "calls", scripts.Sum(s => s.Calls) / (double)n);
        Add("busiest primary's share of the messages", "%", perPrimary.Max() * 100.0 / n);

        var inv = CultureInfo.InvariantCulture;
        var perBridge = string.Join("; ", claims.Select((c, i) => string.Create(inv,
            $"bridge {i + 1}: {c.Delivered:#,0} delivered ({c.Delivered * 100.0 / n:0}%), {Us(bridgeCpu[i]) * n / Math.Max(1, c.Delivered):0} µs CPU per own delivery, " +
            $"claims {c.Full} full / {c.Partial} partial / {c.Empty} empty")));
        var primaries = string.Join("; ", perPrimary.Select((m, i) => string.Create(inv,
            $"primary {i + 1}: {m:#,0} msgs ({m * 100.0 / n:0}%), {primaryCpu[i]:0.00} CPU s ({(m > 0 ? primaryCpu[i] / m * 1e6 : double.NaN):0} µs per own msg), " +
            $"{scripts[i].Calls:#,0} script calls ({(scripts[i].Calls > 0 ? scripts[i].Usec / (double)scripts[i].Calls : 0):0.0} µs each)")));
        bench.Results.Note(string.Create(inv,
            $"run {run}, scaling, {what}: {n:#,0} msgs in {seconds:0.00} s from the due time, {distinct:#,0} distinct MessageIds; {perBridge}. " +
            $"{primaries}. Partitions' backlog: {string.Join(" / ", perPartition)}. Cores busy on average over {wall:0.0} s: bridges " +
            $"{bridgeCpu.Sum() / wall:0.00}, consumer {consumerCpu / wall:0.00}, primaries {primaryCpu.Sum() / wall:0.00}, RabbitMQ {rabbitCpu / wall:0.00}, other work {other / wall:0.00}."));
    }

    static void ReportIdle(BenchContext bench, string what, Cpu cpu0, Cpu cpu1, BridgeStats[] stats0, BridgeStats[] stats1)
    {
        var wall = Stopwatch.GetElapsedTime(cpu0.Timestamp, cpu1.Timestamp).TotalSeconds;
        var claims = stats1.Zip(stats0, (a, b) => a.Since(b).Claims).Sum();
        var bridges = cpu1.Bridges.Zip(cpu0.Bridges, (a, b) => a - b).Sum();
        var primaries = cpu1.Primaries.Zip(cpu0.Primaries, (a, b) => a - b).Sum();
        void Add(string figure, string unit, double value) => bench.Results.Add(bench.Run, new Measurement("scaling", $"{what}: idle: {figure}", unit, value));
        Add("claims per second (all bridges)", "claims", claims / wall);
        Add("CPU of the bridge processes (sum)", "cores", bridges / wall);
        Add("CPU of the primaries (sum)", "cores", primaries / wall);
        if (claims > 0)
            Add("CPU of the primaries per claim", "µs", primaries / claims * 1e6);
    }

    /// <summary>CPU seconds so far of every process of a scaling run, at one instant.</summary>
    sealed record Cpu(long Timestamp, double[] Bridges, double Own, double[] Primaries, double Rabbit, double Machine);
}
