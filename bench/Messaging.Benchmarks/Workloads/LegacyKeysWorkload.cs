using System.Diagnostics;
using System.Globalization;
using Messaging.Benchmarks.Infrastructure;
using Messaging.Benchmarks.Reporting;
using Messaging.Contracts;
using StackExchange.Redis;

namespace Messaging.Benchmarks.Workloads;

/// <summary>
/// The legacy-key adapter's cost: N keys set the seed's way (<c>SET LB1:k 1 EX 3600</c>) imported by a running bridge
/// from their keyspace events (keys per second until all N wait in the due index), the same N found by the start-up
/// sweep of a bridge started after they were written, and the memory of an import mark.
/// </summary>
internal sealed class LegacyKeysWorkload : IWorkload
{
    const int Sample = 500;

    public string Name => "legacy";

    public async Task Run(BenchContext bench)
    {
        var n = bench.Options.Quick ? 2_000 : 20_000;
        var run = bench.Run;
        var db = bench.Redis.Database;
        var channel = string.Create(CultureInfo.InvariantCulture, $"LB{run}");

        // The adapter adds K$g to notify-keyspace-events; the other workloads run with the server's own flags.
        var flags = (await bench.Redis.Server.ConfigGetAsync("notify-keyspace-events")).FirstOrDefault().Value ?? string.Empty;
        try
        {
            await Measure(bench, n, channel, db);
        }
        finally
        {
            await bench.Redis.Server.ConfigSetAsync("notify-keyspace-events", flags);
        }
    }

    async Task Measure(BenchContext bench, int n, string channel, IDatabase db)
    {
        var run = bench.Run;

        // 1. Events: the bridge runs, the keys are written.
        var prefix = bench.NewPrefix("legacy");
        double eventsRate;
        double markBytes = 0;
        try
        {
            await using (await BenchHost.Start(bench, HostRole.Worker, prefix, new RunTracker(prefix.TrimEnd(':'), n), Map(channel)))
            {
                await Task.Delay(1000, bench.Cancellation); // the adapter subscribes and sweeps (nothing yet)
                var clock = Stopwatch.StartNew();
                await Write(db, channel, "e", n);
                await UntilWaiting(bench, prefix, n);
                eventsRate = n / clock.Elapsed.TotalSeconds;
            }

            var sampled = 0;
            await foreach (var key in bench.Redis.Server.KeysAsync(db.Database, prefix + "{0}:legacy:*", 1000).WithCancellation(bench.Cancellation))
            {
                if (sampled++ >= Sample)
                    break;
                markBytes += (long)await db.ExecuteAsync("MEMORY", "USAGE", key, "SAMPLES", "0");
            }

            markBytes /= Math.Max(1, Math.Min(sampled, Sample));
        }
        finally
        {
            await bench.Redis.DeletePrefix(prefix, CancellationToken.None);
            await bench.Redis.DeletePrefix(channel + ":", CancellationToken.None);
        }

        // 2. Sweep: the keys are written while no bridge runs, then one starts.
        prefix = bench.NewPrefix("legacy-sweep");
        double sweepRate;
        try
        {
            await Write(db, channel, "s", n);
            var clock = Stopwatch.StartNew();
            await using (await BenchHost.Start(bench, HostRole.Worker, prefix, new RunTracker(prefix.TrimEnd(':'), n), Map(channel)))
            {
                await UntilWaiting(bench, prefix, n);
                sweepRate = n / clock.Elapsed.TotalSeconds;
            }
        }
        finally
        {
            await bench.Redis.DeletePrefix(prefix, CancellationToken.None);
            await bench.Redis.DeletePrefix(channel + ":", CancellationToken.None);
        }

        bench.Results.Add(run, new Measurement(Name, $"legacy keys imported from keyspace events ({n:#,0} keys written at once)", "keys/s", eventsRate));
        bench.Results.Add(run, new Measurement(Name, $"legacy keys imported by the start-up sweep ({n:#,0} keys, from the host's start)", "keys/s", sweepRate));
        bench.Results.Add(run, new Measurement(Name, "legacy import mark (MEMORY USAGE, mean of a sample)", "bytes", markBytes));
    }

    static Action<Messaging.Scheduler.RedisSchedulerOptions> Map(string channel) =>
        o => o.LegacyKeys.Map(channel + ":*", key => new SellerNotification { CorrelationKey = key });

    static async Task Write(IDatabase db, string channel, string tag, int n)
    {
        const int lanes = 64;
        for (var i = 0; i < n; i += lanes)
        {
            var batch = Enumerable.Range(i, Math.Min(lanes, n - i))
                .Select(k => db.StringSetAsync(string.Create(CultureInfo.InvariantCulture, $"{channel}:{tag}{k}"), "1", TimeSpan.FromHours(1)));
            await Task.WhenAll(batch);
        }
    }

    static async Task UntilWaiting(BenchContext bench, string prefix, int n)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60 + n / 100.0);
        while (await bench.Redis.Database.SortedSetLengthAsync(prefix + "{0}:due") < n)
        {
            if (DateTime.UtcNow > deadline)
                throw new BenchmarkFailedException($"the legacy-key adapter imported only {await bench.Redis.Database.SortedSetLengthAsync(prefix + "{0}:due")} of {n} keys in time");
            await Task.Delay(20, bench.Cancellation);
        }
    }
}
