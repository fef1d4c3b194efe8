using System.Globalization;
using Messaging.Benchmarks.Infrastructure;
using Messaging.Benchmarks.Reporting;
using Messaging.Testing;
using StackExchange.Redis;

namespace Messaging.Benchmarks.Workloads;

/// <summary>
/// What <c>WaitForReplicas</c> costs (issue 12): the benchmark's Redis gets a replica of its own (a second redis-server on
/// a free port, <c>--replicaof</c>), and the schedule rate with 256 in flight is measured with <c>WaitForReplicas = 0</c>
/// and <c>= 1</c>, side by side in the same run (the order alternates between runs), with the same replica attached to
/// both. Also the <c>WAIT</c> commands the primary ran per scheduled message (calls in flight share one).
/// </summary>
internal sealed class ReplicasWorkload : IWorkload
{
    public string Name => "replicas";

    public async Task Run(BenchContext bench)
    {
        var n = bench.Options.ScheduleCount;
        var lanes = bench.Options.InFlight;
        var ct = bench.Cancellation;
        await using var replica = await RedisServerProcess.Start(
            ["--appendonly", "no", "--loglevel", "warning", "--replicaof", "127.0.0.1", bench.Redis.Port.ToString(CultureInfo.InvariantCulture)],
            cancellationToken: ct);
        await using var replicaConnection = await ConnectionMultiplexer.ConnectAsync(replica.Configuration + ",allowAdmin=true");
        var linked = await Wait.TryUntil(async () =>
                (await replicaConnection.GetServer(replicaConnection.GetEndPoints()[0]).InfoAsync("replication"))
                .SelectMany(g => g).Any(p => p.Key == "master_link_status" && p.Value == "up")
                && await bench.Redis.Info("replication", "connected_slaves") == "1",
            TimeSpan.FromSeconds(30), ct, TimeSpan.FromMilliseconds(50));
        if (!linked)
            throw new BenchmarkFailedException("the replica did not link to the benchmark's Redis within 30 s");

        var seconds = new Dictionary<int, double>();
        var waits = new Dictionary<int, long>();
        int[] order = bench.Run % 2 == 1 ? [0, 1] : [1, 0];
        var prefixes = new List<string>();
        try
        {
            foreach (var required in order)
            {
                var prefix = bench.NewPrefix("repl" + required);
                prefixes.Add(prefix);
                var notifications = new Notifications(new RunTracker(prefix.TrimEnd(':'), 2 * n + 100));
                await using var producer = await BenchHost.Start(bench, HostRole.Producer, prefix, configure: o => o.WaitForReplicas = required);
                var due = Scheduling.OneToTwoMinutes();
                // Connects and loads the script: not measured.
                await Scheduling.Many(producer.Scheduler, notifications, 2 * n, 100, 10, due, ct);
                var waitsBefore = await WaitCalls(bench.Redis);
                (seconds[required], _) = await Scheduling.Many(producer.Scheduler, notifications, 0, n, lanes, due, ct);
                waits[required] = await WaitCalls(bench.Redis) - waitsBefore;
            }

            var run = bench.Run;
            bench.Results.Add(run, new Measurement(Name, $"SchedulePublish rate, {lanes} in flight, WaitForReplicas = 1", "msg/s", n / seconds[1], n / seconds[0],
                "same, WaitForReplicas = 0"));
            bench.Results.Add(run, new Measurement(Name, "WAIT commands per message, WaitForReplicas = 1", "WAIT/msg", (double)waits[1] / n));
            if (waits[0] != 0)
                throw new BenchmarkFailedException($"with WaitForReplicas = 0 the primary ran {waits[0]} WAIT commands");
        }
        finally
        {
            foreach (var prefix in prefixes)
                await bench.Redis.DeletePrefix(prefix, CancellationToken.None);
        }
    }

    static async Task<long> WaitCalls(RedisServer redis)
    {
        try
        {
            var stats = await redis.Info("commandstats", "cmdstat_wait");
            return long.Parse(stats.Split(',')[0]["calls=".Length..], CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return 0;
        }
    }
}
