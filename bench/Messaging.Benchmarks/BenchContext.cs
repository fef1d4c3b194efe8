using System.Globalization;
using Messaging.Benchmarks.Infrastructure;
using Messaging.Benchmarks.Reporting;
using Messaging.Testing;

namespace Messaging.Benchmarks;

/// <summary>What every workload shares: the options, the servers, the results, and the deadline of the whole program.</summary>
internal sealed class BenchContext
{
    int _names;

    public BenchContext(BenchOptions options, RedisServer redis, Uri rabbitMq, RabbitMqManagement management, ServerPids pids,
        ResultTable results, CancellationToken cancellation)
    {
        Options = options;
        Redis = redis;
        RabbitMq = rabbitMq;
        Management = management;
        Pids = pids;
        Results = results;
        Cancellation = cancellation;
    }

    public BenchOptions Options { get; }
    public RedisServer Redis { get; }
    public Uri RabbitMq { get; }
    public RabbitMqManagement Management { get; }
    public ServerPids Pids { get; }
    public ResultTable Results { get; }
    public CancellationToken Cancellation { get; }

    /// <summary>The bridge's lateness histogram, as the bridges of this process record it.</summary>
    public ClaimLatenessListener ClaimLateness { get; } = new();

    /// <summary>Pipelined SchedulePublish calls per second, measured by the warm-up: sizes the burst's lead time.</summary>
    public double ScheduleRateEstimate { get; set; } = 2_000;

    /// <summary>The steady workload's result in this run (trigger keys on), for the trigger-cost comparison.</summary>
    public Workloads.SteadyResult? SteadyWithTriggerKeys { get; set; }

    /// <summary>The number of the run in progress (1-based).</summary>
    public int Run { get; set; }

    /// <summary>A key prefix (and run id) that no other run uses: <c>b-&lt;what&gt;-r&lt;run&gt;-&lt;n&gt;-&lt;random&gt;:</c>.</summary>
    public string NewPrefix(string what)
    {
        var n = Interlocked.Increment(ref _names);
        return string.Create(CultureInfo.InvariantCulture, $"b-{what}-r{Run}-{n}-{Guid.NewGuid().ToString("N")[..8]}:");
    }

    public CpuSnapshot Cpu() => CpuSnapshot.Take(Pids);

    public void Progress(string text) => Console.Error.WriteLine($"[bench {DateTime.UtcNow:HH:mm:ss}] run {Run}: {text}");
}
