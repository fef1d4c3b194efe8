using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Messaging.FaultTests.Reporting;

/// <summary>What the numbers were measured on: CPU, memory, OS, runtime and server versions.</summary>
internal static class MachineFacts
{
    public static IReadOnlyList<(string Name, string Value)> Collect(string folder) =>
    [
        ("CPU", $"{Environment.ProcessorCount} cores, {FirstLine("/proc/cpuinfo", "model name") ?? "?"}"),
        ("Memory", Memory()),
        ("Load average at start", Read("/proc/loadavg") is { } load ? string.Join(' ', load.Split(' ').Take(3)) + " (other work shares this machine)" : "?"),
        ("OS", $"{OsRelease() ?? RuntimeInformation.OSDescription}, kernel {Read("/proc/sys/kernel/osrelease") ?? "?"}"),
        (".NET", RuntimeInformation.FrameworkDescription),
        ("MassTransit", Version(typeof(MassTransit.IBus).Assembly)),
        ("StackExchange.Redis", Version(typeof(StackExchange.Redis.ConnectionMultiplexer).Assembly)),
        ("RabbitMQ.Client", Version(typeof(RabbitMQ.Client.IConnection).Assembly)),
        ("redis-server", Run("redis-server", "--version") ?? "?"),
        ("RabbitMQ", $"{Run("dpkg-query", "-W", "-f", "${Version}", "rabbitmq-server") ?? "?"} (Debian package), Erlang {Run("dpkg-query", "-W", "-f", "${Version}", "erlang-base") ?? "?"}"),
        ("Run folder", $"{folder} ({FileSystem(folder)})"),
    ];

    static string Memory()
    {
        var kb = FirstLine("/proc/meminfo", "MemTotal")?.Split(' ')[0];
        return long.TryParse(kb, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{n / 1024.0 / 1024.0:0.0} GiB")
            : "?";
    }

    static string Version(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? assembly.GetName().Version?.ToString() ?? "?";

    static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    static string? FirstLine(string path, string key)
    {
        try
        {
            var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    static string? OsRelease()
    {
        string? line;
        try
        {
            line = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return null;
        }

        return line?.Split('=', 2)[1].Trim('"');
    }

    static string FileSystem(string folder)
    {
        try
        {
            var mounts = File.ReadAllLines("/proc/mounts").Select(l => l.Split(' ')).Where(p => p.Length > 2)
                .Where(p => folder.StartsWith(p[1], StringComparison.Ordinal)).OrderByDescending(p => p[1].Length).FirstOrDefault();
            return mounts == null ? "?" : $"{mounts[2]} on {mounts[1]}";
        }
        catch (IOException)
        {
            return "?";
        }
    }

    static string? Run(string program, params string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in arguments)
                start.ArgumentList.Add(a);
            using var process = Process.Start(start);
            if (process == null)
                return null;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit(10_000);
            return output.Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
