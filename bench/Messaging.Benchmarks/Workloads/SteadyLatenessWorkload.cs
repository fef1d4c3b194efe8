namespace Messaging.Benchmarks.Workloads;

/// <summary>Steady lateness: 1,000 msg/s, each due 2 s after it is scheduled, with the bridge running (default options).</summary>
internal sealed class SteadyLatenessWorkload : IWorkload
{
    public string Name => "steady";

    public async Task Run(BenchContext bench)
    {
        var prefix = bench.NewPrefix("steady");
        try
        {
            var result = await SteadyRun.Run(bench, prefix);
            bench.SteadyWithTriggerKeys = result;
            var raw = await RawLatency.Run(bench);
            SteadyRun.Report(bench, Name, "steady 1,000 msg/s, trigger keys on", result, 20, 100, raw.Latency, "raw publish→consume at 1,000 msg/s");
            bench.Results.Add(bench.Run, new Reporting.Measurement(Name, "raw MassTransit publish-confirm round trip p50 (1,000 msg/s)", "ms", raw.ConfirmP50));
            bench.Results.Add(bench.Run, new Reporting.Measurement(Name, "raw MassTransit publish-confirm round trip p99 (1,000 msg/s)", "ms", raw.ConfirmP99));
        }
        finally
        {
            await bench.Redis.DeletePrefix(prefix, CancellationToken.None);
        }
    }
}
