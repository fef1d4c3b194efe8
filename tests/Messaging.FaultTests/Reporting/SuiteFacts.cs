using System.Runtime.InteropServices;
using Messaging.Testing;

namespace Messaging.FaultTests.Reporting;

/// <summary>What the numbers were measured on: CPU, memory, OS, runtime and server versions (read through <see cref="MachineFacts" />).</summary>
internal static class SuiteFacts
{
    public static async Task<IReadOnlyList<(string Name, string Value)>> Collect(string folder) =>
    [
        ("CPU", $"{Environment.ProcessorCount} cores, {MachineFacts.CpuModel() ?? "?"}"),
        ("Memory", MachineFacts.Memory() ?? "?"),
        ("Load average at start", MachineFacts.LoadAverage() is { } load ? load + " (other work shares this machine)" : "?"),
        ("OS", $"{MachineFacts.OsName() ?? RuntimeInformation.OSDescription}, kernel {MachineFacts.Kernel() ?? "?"}"),
        (".NET", RuntimeInformation.FrameworkDescription),
        ("MassTransit", MachineFacts.Version(typeof(MassTransit.IBus).Assembly)),
        ("StackExchange.Redis", MachineFacts.Version(typeof(StackExchange.Redis.ConnectionMultiplexer).Assembly)),
        ("RabbitMQ.Client", MachineFacts.Version(typeof(RabbitMQ.Client.IConnection).Assembly)),
        ("redis-server", await MachineFacts.Run("redis-server", "--version") ?? "?"),
        ("RabbitMQ", $"{await MachineFacts.Run("dpkg-query", "-W", "-f", "${Version}", "rabbitmq-server") ?? "?"} (Debian package), Erlang {await MachineFacts.Run("dpkg-query", "-W", "-f", "${Version}", "erlang-base") ?? "?"}"),
        ("Run folder", $"{folder} ({MachineFacts.FileSystem(folder) ?? "?"})"),
    ];
}
