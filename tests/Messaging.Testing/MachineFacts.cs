using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace Messaging.Testing;

/// <summary>
/// What the machine and software are, for the benchmark's and the fault suite's reports: CPU, memory, load, OS, library
/// versions, another program's answer, the git commit. Each fact is null when it cannot be read (a report says "unknown"
/// or "?"); none throws for that.
/// </summary>
public static class MachineFacts
{
    /// <summary>The CPU's model name from <c>/proc/cpuinfo</c>.</summary>
    public static string? CpuModel() => Field("/proc/cpuinfo", "model name");

    /// <summary>Total memory from <c>/proc/meminfo</c>, e.g. <c>7.8 GiB</c>.</summary>
    public static string? Memory()
    {
        var kb = Field("/proc/meminfo", "MemTotal")?.Split(' ')[0];
        return long.TryParse(kb, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? string.Create(CultureInfo.InvariantCulture, $"{n / 1048576.0:0.0} GiB")
            : null;
    }

    /// <summary>The 1, 5 and 15 minute load averages from <c>/proc/loadavg</c>, e.g. <c>0.52 0.61 0.70</c>.</summary>
    public static string? LoadAverage() => Read("/proc/loadavg") is { } load ? string.Join(' ', load.Split(' ').Take(3)) : null;

    /// <summary>The distribution's name (<c>PRETTY_NAME</c> of <c>/etc/os-release</c>).</summary>
    public static string? OsName()
    {
        try
        {
            var line = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
            return line?["PRETTY_NAME=".Length..].Trim('"');
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The kernel release (<c>/proc/sys/kernel/osrelease</c>).</summary>
    public static string? Kernel() => Read("/proc/sys/kernel/osrelease");

    /// <summary>An assembly's informational version without the source revision (<c>8.5.12</c>, not <c>8.5.12+abc…</c>).</summary>
    public static string Version(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
            ?? assembly.GetName().Version?.ToString() ?? "?";
    }

    /// <summary>The file system a folder is on, from <c>/proc/mounts</c>, e.g. <c>tmpfs on /tmp</c>.</summary>
    public static string? FileSystem(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        try
        {
            var mount = File.ReadAllLines("/proc/mounts").Select(l => l.Split(' ')).Where(p => p.Length > 2)
                .Where(p => folder.StartsWith(p[1], StringComparison.Ordinal)).OrderByDescending(p => p[1].Length).FirstOrDefault();
            return mount == null ? null : $"{mount[2]} on {mount[1]}";
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// The git commit the running program was built from (<c>git abc1234 subject</c>), and whether <c>src/</c> had
    /// uncommitted changes; null outside a git work tree.
    /// </summary>
    public static async Task<string?> Source()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder != null && !Directory.Exists(Path.Combine(folder.FullName, ".git")) && !File.Exists(Path.Combine(folder.FullName, ".git")))
            folder = folder.Parent;
        if (folder == null)
            return null;

        var commit = await Run("git", "-C", folder.FullName, "log", "-1", "--format=%h %s") ?? "?";
        var dirty = await Run("git", "-C", folder.FullName, "status", "--porcelain", "--", "src") ?? "";
        return $"git {commit}{(dirty.Length > 0 ? " (with uncommitted changes in src/)" : "")}";
    }

    /// <summary>What a program prints on standard output (trimmed), or null when it is not installed; waits at most 10 s for it to end.</summary>
    public static async Task<string?> Run(string program, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        try
        {
            var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments)
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start);
            if (process == null)
                return null;
            _ = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                var output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
                await process.WaitForExitAsync(timeout.Token);
                return output.Trim();
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

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

    /// <summary>The value of the first <c>key: value</c> line of a <c>/proc</c> file that starts with <paramref name="key" />.</summary>
    static string? Field(string path, string key)
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
}
