using System.Globalization;

namespace Messaging.Benchmarks;

/// <summary>
/// The command line (<c>[--quick] [--runs N] [--only name,...] [--profile]</c>) and the counts each workload uses.
/// Quick mode keeps every workload but shrinks its counts, for CI: it checks that everything runs and every message
/// arrives, and asserts no time.
/// </summary>
internal sealed class BenchOptions
{
    public static readonly string[] WorkloadNames = ["schedule", "burst", "steady", "depth", "memory", "triggers", "catchup", "idempotent", "legacy", "inspection", "scaling", "replicas"];

    public const string Usage = """
        Usage: dotnet run -c Release --project bench/Messaging.Benchmarks -- [--quick] [--runs N] [--only name,...] [--profile] [--transient] [--depth N]
               [--direct] [--scaling-count N] [--scaling-runs PxB,...]

          --quick        small counts (CI): the whole program takes well under a minute; asserts no time, only that
                         every workload runs and every message is delivered. Runs once unless --runs is given.
          --runs N       run each workload N times (default 3) and report medians with min-max
          --only a,b     run only these workloads: schedule, burst, steady, depth, memory, triggers, catchup, idempotent, legacy,
                         inspection, scaling, replicas
          --profile      also print Redis INFO commandstats and SLOWLOG per workload (for docs/benchmarks.md)
          --transient    diagnostic: non-durable consumer queues (no disk write before RabbitMQ confirms a publish);
                         the default is durable queues, as the worker's ConfigureEndpoints declares them
          --direct       burst and catchup: also drain the same number of messages through the direct path (issue 12's
                         experiment: claimed from the same store, published with RabbitMQ.Client on one channel with
                         publisher confirms and many publishes in flight, no MassTransit send pipeline), beside the
                         bridge and raw MassTransit in the same run
          --depth N      messages pending a day ahead during the depth workload (default 1,000,000; quick 10,000);
                         about 0.75 KB of Redis memory each
          --scaling-count N      messages in the scaling workload's backlog (default 100,000; 2,000 in quick mode)
          --scaling-runs PxB,... the scaling workload's configurations: P partitions with B bridge processes each
                                 (default 3x1,3x2,3x4,6x1,6x2,6x4,12x1,12x2,12x4; 6x1,6x2 in quick mode)

        Servers: its own redis-server (from the PATH, on a free loopback port, no persistence), RabbitMQ from the
        RABBITMQ environment variable (default amqp://guest:guest@127.0.0.1:5672/) and its management API from
        RABBITMQ_MANAGEMENT (default http://guest:guest@127.0.0.1:15672/). Loopback addresses only.
        """;

    public bool Quick { get; private init; }
    public int Runs { get; private init; } = 3;
    public IReadOnlySet<string> Only { get; private init; } = new HashSet<string>(WorkloadNames);
    public bool Profile { get; private init; }

    /// <summary>Non-durable consumer queues (a diagnostic: shows how much of the latency is RabbitMQ's disk).</summary>
    public bool Transient { get; private init; }

    /// <summary>Burst and catch-up also measure the direct RabbitMQ.Client delivery path (issue 12's experiment).</summary>
    public bool DirectPath { get; private init; }
    public bool ShowHelp { get; private init; }

    int? _scalingCount;
    IReadOnlyList<(int Partitions, int Bridges)>? _scalingRuns;

    /// <summary>Messages in the scaling workload's backlog, all due at one instant.</summary>
    public int ScalingCount => _scalingCount ?? (Quick ? 2_000 : 100_000);

    /// <summary>The scaling workload's configurations, in order: partitions, and bridge processes.</summary>
    public IReadOnlyList<(int Partitions, int Bridges)> ScalingRuns => _scalingRuns ??
        (Quick ? [(6, 1), (6, 2)] : [(3, 1), (3, 2), (3, 4), (6, 1), (6, 2), (6, 4), (12, 1), (12, 2), (12, 4)]);

    /// <summary>SchedulePublish calls (and plain SETs) per schedule-rate figure: 100,000, as issue 5 asks.</summary>
    public int ScheduleCount => Quick ? 1_000 : 100_000;

    /// <summary>Calls in flight for the "many in flight" figures.</summary>
    public int InFlight => 256;

    /// <summary>Messages of the burst drain (and of its raw ceiling): 50,000, as issue 5 asks.</summary>
    public int BurstCount => Quick ? 2_000 : 50_000;

    /// <summary>Messages overdue when the worker starts, in the catch-up workload.</summary>
    public int CatchUpCount => Quick ? 2_000 : 100_000;

    /// <summary>Scheduled messages per second in the steady workloads.</summary>
    public int SteadyRate => 1_000;

    /// <summary>How long the steady workloads schedule.</summary>
    public TimeSpan SteadyDuration => Quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(30);

    /// <summary>How far ahead each steady message is due.</summary>
    public TimeSpan SteadyLead => TimeSpan.FromSeconds(2);

    /// <summary>Messages pending far in the future during the depth workload.</summary>
    public int Depth => DepthOverride ?? (Quick ? 10_000 : 1_000_000);

    /// <summary>The depth given with <c>--depth</c>, if any.</summary>
    public int? DepthOverride { get; private init; }

    /// <summary>Messages pending while the inspection workload times the query API (issue 10: 1,000,000).</summary>
    public int InspectionDepth => Quick ? 20_000 : 1_000_000;

    /// <summary>Pending messages of the memory workload.</summary>
    public int MemoryCount => Quick ? 5_000 : 100_000;

    /// <summary>The longest the whole program may run before it gives up (every wait also has its own bound).</summary>
    public TimeSpan Deadline => Quick ? TimeSpan.FromMinutes(5) : TimeSpan.FromMinutes(30) * Math.Max(1, Runs);

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var quick = false;
        var profile = false;
        var transient = false;
        var direct = false;
        int? runs = null;
        int? depth = null;
        int? scalingCount = null;
        List<(int, int)>? scalingRuns = null;
        HashSet<string>? only = null;

        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    quick = true;
                    break;
                case "--profile":
                    profile = true;
                    break;
                case "--transient":
                    transient = true;
                    break;
                case "--direct":
                    direct = true;
                    break;
                case "--runs":
                    if (i + 1 >= args.Count || !int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 100)
                        throw new ArgumentException("--runs needs a whole number from 1 to 100.");
                    runs = n;
                    break;
                case "--depth":
                    if (i + 1 >= args.Count || !int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var d) || d is < 1 or > 100_000_000)
                        throw new ArgumentException("--depth needs a whole number from 1 to 100,000,000 (pending messages).");
                    depth = d;
                    break;
                case "--scaling-count":
                    if (i + 1 >= args.Count || !int.TryParse(args[++i], NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var c) || c is < 1 or > 10_000_000)
                        throw new ArgumentException("--scaling-count needs a whole number from 1 to 10,000,000.");
                    scalingCount = c;
                    break;
                case "--scaling-runs":
                    if (i + 1 >= args.Count)
                        throw new ArgumentException("--scaling-runs needs a comma-separated list of PxB (partitions x bridge processes), e.g. 6x1,6x2,6x4.");
                    scalingRuns = [];
                    foreach (var item in args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        var pb = item.Split('x');
                        if (pb.Length != 2 || !int.TryParse(pb[0], NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 1024
                            || !int.TryParse(pb[1], NumberStyles.None, CultureInfo.InvariantCulture, out var b) || b is < 1 or > 16)
                            throw new ArgumentException($"--scaling-runs: '{item}' is not PxB with 1 to 1024 partitions and 1 to 16 bridge processes (e.g. 6x2).");
                        scalingRuns.Add((p, b));
                    }

                    break;
                case "--only":
                    if (i + 1 >= args.Count)
                        throw new ArgumentException("--only needs a comma-separated list of workloads.");
                    only = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                    foreach (var name in args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (!WorkloadNames.Contains(name, StringComparer.OrdinalIgnoreCase))
                            throw new ArgumentException($"--only: unknown workload '{name}' (known: {string.Join(", ", WorkloadNames)}).");
                        only.Add(name.ToLowerInvariant());
                    }

                    break;
                case "-h" or "--help":
                    return new BenchOptions { ShowHelp = true };
                default:
                    throw new ArgumentException($"Unknown argument '{args[i]}'.");
            }
        }

        return new BenchOptions
        {
            Quick = quick,
            Profile = profile,
            Transient = transient,
            DirectPath = direct,
            Runs = runs ?? (quick ? 1 : 3),
            DepthOverride = depth,
            Only = only ?? new HashSet<string>(WorkloadNames),
            _scalingCount = scalingCount,
            _scalingRuns = scalingRuns,
        };
    }

    public bool Includes(string workload) => Only.Contains(workload);
}
