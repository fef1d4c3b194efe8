using Messaging.Benchmarks.Reporting;

namespace Messaging.Benchmarks.Workloads;

/// <summary>Adds a drain's figures (rate against the raw ceiling, and CPU per 10,000 messages) to the results.</summary>
internal static class DrainReport
{
    public static void Add(BenchContext bench, string workload, string what, DrainResult worker, DrainResult raw)
    {
        var run = bench.Run;
        bench.Results.Add(run, new Measurement(workload, $"{what}: delivered-and-consumed rate ({worker.Count:#,0} msgs)", "msg/s", worker.Rate, raw.Rate,
            "raw MassTransit publish+consume", Target.RatioAtLeast(0.90, "raw")));
        bench.Results.Add(run, new Measurement(workload, $"{what}: CPU of the worker process per 10,000 msgs", "CPU s", worker.OwnPer10K, raw.OwnPer10K,
            "raw (publisher+consumer process)"));
        bench.Results.Add(run, new Measurement(workload, $"{what}: CPU of Redis per 10,000 msgs", "CPU s", worker.RedisPer10K));
        if (!double.IsNaN(worker.RabbitPer10K))
        {
            bench.Results.Add(run, new Measurement(workload, $"{what}: CPU of RabbitMQ per 10,000 msgs", "CPU s", worker.RabbitPer10K, raw.RabbitPer10K,
                "raw"));
        }

        bench.Results.Note($"run {run}, {workload}: worker drain {worker.Count} msgs in {worker.Seconds:0.000} s from the {worker.StartedAt}, " +
            $"{worker.Duplicates} duplicates; raw {raw.Count} msgs in {raw.Seconds:0.000} s; other work on the machine during the drain: " +
            $"{worker.Cpu.OtherCores:0.00} cores (raw: {raw.Cpu.OtherCores:0.00})");
    }

    /// <summary>Adds the direct path's figures (issue 12's experiment): its rate against the raw ceiling and against the
    /// bridge of the same run, and its CPU per 10,000 messages.</summary>
    public static void AddDirect(BenchContext bench, string workload, string what, DrainResult direct, DrainResult worker, DrainResult raw, bool first)
    {
        var run = bench.Run;
        bench.Results.Add(run, new Measurement(workload, $"{what}, direct RabbitMQ.Client path: delivered-and-consumed rate ({direct.Count:#,0} msgs)", "msg/s",
            direct.Rate, raw.Rate, "raw MassTransit publish+consume"));
        bench.Results.Add(run, new Measurement(workload, $"{what}, direct RabbitMQ.Client path: rate against the bridge", "msg/s", direct.Rate, worker.Rate,
            "bridge (MassTransit send)"));
        bench.Results.Add(run, new Measurement(workload, $"{what}, direct path: CPU of the worker process per 10,000 msgs", "CPU s", direct.OwnPer10K,
            worker.OwnPer10K, "bridge"));
        if (!double.IsNaN(direct.RabbitPer10K))
        {
            bench.Results.Add(run, new Measurement(workload, $"{what}, direct path: CPU of RabbitMQ per 10,000 msgs", "CPU s", direct.RabbitPer10K,
                worker.RabbitPer10K, "bridge"));
        }

        bench.Results.Note($"run {run}, {workload}: direct path drain {direct.Count} msgs in {direct.Seconds:0.000} s from the {direct.StartedAt}, " +
            $"{direct.Duplicates} duplicates, drained {(first ? "before" : "after")} the bridge and raw; other work on the machine during the drain: {direct.Cpu.OtherCores:0.00} cores");
    }
}
