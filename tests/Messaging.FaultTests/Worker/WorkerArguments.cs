using System.Globalization;

namespace Messaging.FaultTests.Worker;

/// <summary>The command line of a worker process: <c>worker --journal F --redis C --rabbit U --prefix P --lease S [--partitions N]</c>.</summary>
internal sealed record WorkerArguments(string Journal, string Redis, string RabbitMq, string KeyPrefix, TimeSpan Lease, int Partitions = 1)
{
    public static WorkerArguments Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Count; i += 2)
            values[args[i]] = args[i + 1];

        string Required(string name) => values.TryGetValue(name, out var v) && v.Length > 0
            ? v
            : throw new ArgumentException($"worker: {name} is required (the suite passes it; a worker never falls back to a shared server)");

        return new WorkerArguments(Required("--journal"), Required("--redis"), Required("--rabbit"), Required("--prefix"),
            TimeSpan.FromSeconds(double.Parse(Required("--lease"), CultureInfo.InvariantCulture)),
            values.TryGetValue("--partitions", out var partitions) ? int.Parse(partitions, CultureInfo.InvariantCulture) : 1);
    }

    public IEnumerable<string> ToArguments() =>
    [
        "worker", "--journal", Journal, "--redis", Redis, "--rabbit", RabbitMq, "--prefix", KeyPrefix,
        "--lease", Lease.TotalSeconds.ToString(CultureInfo.InvariantCulture), "--partitions", Partitions.ToString(CultureInfo.InvariantCulture),
    ];
}
