using System.Diagnostics;
using System.Globalization;
using System.Text;
using Messaging.Benchmarks.Infrastructure;
using Messaging.Benchmarks.Reporting;
using StackExchange.Redis;

namespace Messaging.Benchmarks.Workloads;

/// <summary>
/// Where a steady run's lateness comes from (issue 12): this process's GC pauses, the lateness over the run's course
/// (5-second windows, to see whether it is worse right after a fill), the bridge's claim lateness over the same windows,
/// and what Redis says about itself (<c>LATENCY LATEST</c> over a 2 ms threshold, the scripts' time per call, keys expired).
/// Printed as notes.
/// </summary>
internal sealed class SteadyDiagnostics
{
    const int WindowSeconds = 5;

    readonly TimeSpan _pause;
    readonly int[] _collections;
    readonly long _started;
    readonly long _startedTicks;
    readonly (long Calls, long Usec) _scripts;
    readonly long _expired;

    SteadyDiagnostics(TimeSpan pause, int[] collections, (long, long) scripts, long expired)
    {
        _pause = pause;
        _collections = collections;
        _scripts = scripts;
        _expired = expired;
        _started = Stopwatch.GetTimestamp();
        _startedTicks = DateTime.UtcNow.Ticks;
    }

    public static async Task<SteadyDiagnostics> Start(BenchContext bench)
    {
        await bench.Redis.Server.ExecuteAsync("LATENCY", "RESET");
        return new SteadyDiagnostics(GC.GetTotalPauseDuration(), [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)],
            await Scripts(bench), long.Parse(await bench.Redis.Info("stats", "expired_keys"), CultureInfo.InvariantCulture));
    }

    public async Task Report(BenchContext bench, string prefix, long[] dueTicks, long[] receivedTicks, (long At, double Value)[] claims)
    {
        var pause = GC.GetTotalPauseDuration() - _pause;
        var gc = $"gen0 {GC.CollectionCount(0) - _collections[0]}, gen1 {GC.CollectionCount(1) - _collections[1]}, gen2 {GC.CollectionCount(2) - _collections[2]}";
        var scripts = await Scripts(bench);
        var expired = long.Parse(await bench.Redis.Info("stats", "expired_keys"), CultureInfo.InvariantCulture) - _expired;
        var calls = scripts.Calls - _scripts.Calls;
        var perCall = calls > 0 ? (scripts.Usec - _scripts.Usec) / (double)calls : 0;

        // Lateness by the window of the due time; claim lateness by the window of its recording.
        var lateByWindow = new SortedDictionary<int, List<double>>();
        for (var i = 0; i < dueTicks.Length; i++)
        {
            var w = (int)((dueTicks[i] - _startedTicks) / TimeSpan.TicksPerSecond / WindowSeconds);
            if (!lateByWindow.TryGetValue(w, out var list))
                lateByWindow[w] = list = [];
            list.Add((receivedTicks[i] - dueTicks[i]) / (double)TimeSpan.TicksPerMillisecond);
        }

        var claimByWindow = new SortedDictionary<int, List<double>>();
        foreach (var (at, value) in claims)
        {
            var w = (int)(Stopwatch.GetElapsedTime(_started, at).TotalSeconds / WindowSeconds);
            if (!claimByWindow.TryGetValue(w, out var list))
                claimByWindow[w] = list = [];
            list.Add(value);
        }

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"run {bench.Run}, {prefix} steady diagnostics: GC pauses {pause.TotalMilliseconds:0} ms ({gc}); ");
        sb.Append(CultureInfo.InvariantCulture, $"scripts {calls:#,0} calls, {perCall:0.0} µs/call in Redis; keys expired {expired:#,0}; ");
        sb.Append(CultureInfo.InvariantCulture, $"lateness p99/max by {WindowSeconds} s of due time: ");
        sb.Append(string.Join(" | ", lateByWindow.Select(p => Describe(p.Value))));
        sb.Append(CultureInfo.InvariantCulture, $"; claim lateness p99/max by {WindowSeconds} s: ");
        sb.Append(string.Join(" | ", claimByWindow.Select(p => Describe(p.Value))));
        sb.Append("; Redis LATENCY LATEST (event: latest/max ms): ");
        var latest = (RedisResult[]?)await bench.Redis.Server.ExecuteAsync("LATENCY", "LATEST") ?? [];
        sb.Append(latest.Length == 0 ? "none over 2 ms" : string.Join(", ", latest.Select(e =>
        {
            var f = (RedisResult[])e!;
            return $"{f[0]}: {f[2]}/{f[3]}";
        })));
        bench.Results.Note(sb.ToString());
        bench.Progress(sb.ToString());
    }

    static string Describe(List<double> values)
    {
        values.Sort();
        return string.Create(CultureInfo.InvariantCulture, $"{Stats.Percentile(values.ToArray(), 99):0.0}/{values[^1]:0.0}");
    }

    static async Task<(long Calls, long Usec)> Scripts(BenchContext bench)
    {
        long calls = 0, usec = 0;
        foreach (var group in await bench.Redis.Server.InfoAsync("commandstats"))
        {
            foreach (var pair in group)
            {
                if (pair.Key is not ("cmdstat_evalsha" or "cmdstat_eval"))
                    continue;
                foreach (var field in pair.Value.Split(','))
                {
                    var kv = field.Split('=', 2);
                    if (kv[0] == "calls")
                        calls += long.Parse(kv[1], CultureInfo.InvariantCulture);
                    else if (kv[0] == "usec")
                        usec += long.Parse(kv[1], CultureInfo.InvariantCulture);
                }
            }
        }

        return (calls, usec);
    }
}
