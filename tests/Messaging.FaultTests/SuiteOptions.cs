using System.Globalization;

namespace Messaging.FaultTests;

/// <summary>
/// The suite's command line: <c>[--quick] [--only 1,2,...] [--report FILE] [--keep]</c>.
/// </summary>
internal sealed class SuiteOptions
{
    public const string Usage = """
        Usage: dotnet run -c Release --project tests/Messaging.FaultTests -- [--quick] [--only 1,2,...] [--report FILE] [--keep]
          --quick        short version of every scenario (small counts, 5 s outages, 5 s lease); well under 5 minutes
          --only LIST    run only these scenarios (1-14, comma-separated); 12-14 (on a Redis Cluster of their own) run only when named here
          --report FILE  where to write the Markdown table (default .run/fault-suite/report-{quick|full}.md)
          --keep         keep the run folder (servers' data, logs, journals, ledgers) even when everything passed
        It starts its own redis-server, RabbitMQ node (own ports, node name, epmd, data) and worker processes, and stops them.
        Exit code: 0 when every scenario passed, 1 when one failed, 2 for a bad command line.
        """;

    public bool Quick { get; private set; }
    public bool Keep { get; private set; }
    public string? Report { get; private set; }
    public HashSet<int>? Only { get; private set; }

    public static SuiteOptions Parse(IReadOnlyList<string> args)
    {
        var options = new SuiteOptions();
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    options.Quick = true;
                    break;
                case "--keep":
                    options.Keep = true;
                    break;
                case "--only" when i + 1 < args.Count:
                    options.Only = [];
                    foreach (var part in args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 14)
                            throw new ArgumentException($"--only takes scenario numbers 1 to 14, not '{part}'.");
                        options.Only.Add(n);
                    }

                    break;
                case "--report" when i + 1 < args.Count:
                    options.Report = args[++i];
                    break;
                default:
                    throw new ArgumentException($"Unknown or incomplete option '{args[i]}'.");
            }
        }

        return options;
    }
}
