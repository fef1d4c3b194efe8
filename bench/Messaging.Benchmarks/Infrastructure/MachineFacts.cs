using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using Messaging.Testing;

namespace Messaging.Benchmarks.Infrastructure;

/// <summary>The machine and software the figures were measured on.</summary>
internal static class MachineFacts
{
    public static async Task<IReadOnlyList<(string Name, string Value)>> Collect(RedisServer redis, RabbitMqManagement management)
    {
        var facts = new List<(string, string)>
        {
            ("cores (nproc)", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)),
            ("CPU", CpuModel()),
            ("memory", Memory()),
            ("OS", OsName()),
            (".NET runtime", RuntimeInformation.FrameworkDescription),
            ("dotnet SDK", await DotnetVersion()),
            ("MassTransit", Version(typeof(MassTransit.IBus).Assembly)),
            ("StackExchange.Redis", Version(typeof(StackExchange.Redis.ConnectionMultiplexer).Assembly)),
            ("Redis", $"{await redis.Info("server", "redis_version")} (own redis-server, port {redis.Port}, no persistence, noeviction, notify-keyspace-events Ex)"),
            ("RabbitMQ", await management.Versions()),
            ("source", await Source()),
            ("load average at start", LoadAverage()),
        };
        return facts;
    }

    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    static string Version(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus > 0 ? informational[..plus] : informational;
    }

    static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line == null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    static string Memory()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            var kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            return string.Create(CultureInfo.InvariantCulture, $"{kb / 1048576.0:0.0} GiB");
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or FormatException)
        {
            return "unknown";
        }
    }

    static string OsName()
    {
        try
        {
            var line = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
            return line?["PRETTY_NAME=".Length..].Trim('"') ?? RuntimeInformation.OSDescription;
        }
        catch (IOException)
        {
            return RuntimeInformation.OSDescription;
        }
    }

    /// <summary>The git commit the benchmark was built from, and whether src/ had uncommitted changes.</summary>
    static async Task<string> Source()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder != null && !Directory.Exists(Path.Combine(folder.FullName, ".git")))
            folder = folder.Parent;
        if (folder == null)
            return "unknown (not in a git work tree)";

        var commit = await Run("git", "-C", folder.FullName, "log", "-1", "--format=%h %s");
        var dirty = await Run("git", "-C", folder.FullName, "status", "--porcelain", "--", "src");
        return $"git {commit}{(dirty.Length > 0 ? " (with uncommitted changes in src/)" : "")}";
    }

    static Task<string> DotnetVersion() => Run("dotnet", "--version");

    static async Task<string> Run(string program, params string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments)
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start);
            if (process == null)
                return "unknown";
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            return output.Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}
