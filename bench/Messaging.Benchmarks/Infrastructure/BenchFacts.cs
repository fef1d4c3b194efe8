using System.Globalization;
using System.Runtime.InteropServices;
using Messaging.Testing;

namespace Messaging.Benchmarks.Infrastructure;

/// <summary>The machine and software the figures were measured on (read through <see cref="MachineFacts" />).</summary>
internal static class BenchFacts
{
    const string Unknown = "unknown";

    public static async Task<IReadOnlyList<(string Name, string Value)>> Collect(RedisServer redis, RabbitMqManagement management)
    {
        var facts = new List<(string, string)>
        {
            ("cores (nproc)", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)),
            ("CPU", MachineFacts.CpuModel() ?? RuntimeInformation.ProcessArchitecture.ToString()),
            ("memory", MachineFacts.Memory() ?? Unknown),
            ("OS", MachineFacts.OsName() ?? RuntimeInformation.OSDescription),
            (".NET runtime", RuntimeInformation.FrameworkDescription),
            ("dotnet SDK", await MachineFacts.Run("dotnet", "--version") ?? Unknown),
            ("MassTransit", MachineFacts.Version(typeof(MassTransit.IBus).Assembly)),
            ("StackExchange.Redis", MachineFacts.Version(typeof(StackExchange.Redis.ConnectionMultiplexer).Assembly)),
            ("Redis", $"{await redis.Info("server", "redis_version")} (own redis-server, port {redis.Port}, no persistence, noeviction, notify-keyspace-events Ex)"),
            ("RabbitMQ", await management.Versions()),
            ("source", await MachineFacts.Source() ?? "unknown (not in a git work tree)"),
            ("load average at start", LoadAverage()),
        };
        return facts;
    }

    public static string LoadAverage() => MachineFacts.LoadAverage() ?? Unknown;
}
