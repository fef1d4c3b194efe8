using System.Globalization;

namespace Messaging.Benchmarks.Infrastructure;

/// <summary>
/// CPU time from <c>/proc</c>: of a process (user + system, of all its threads) and of the whole machine (busy time of
/// every core), in seconds. Used for the cost figures and to see how much other work shared the machine during a run.
/// </summary>
internal static class CpuClock
{
    static readonly double TicksPerSecond = 100.0; // USER_HZ: 100 on Linux for every architecture the SDK supports.

    /// <summary>CPU seconds a process used so far, or NaN when it cannot be read.</summary>
    public static double Process(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After the name: state(0) ppid(1) ... utime(11) stime(12).
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return double.NaN;
        }
    }

    /// <summary>Busy CPU seconds of the whole machine (all cores) so far: everything but idle and iowait.</summary>
    public static double Machine()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").First(l => l.StartsWith("cpu ", StringComparison.Ordinal));
            var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal ...
            var busy = values[0] + values[1] + values[2] + values[5] + values[6] + (values.Length > 7 ? values[7] : 0);
            return busy / TicksPerSecond;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            return double.NaN;
        }
    }

    /// <summary>
    /// The PID of the process that listens on a TCP port on this machine (found through <c>/proc/net/tcp*</c> and the
    /// processes' socket descriptors), or null when it cannot be found (another user's process, no permission).
    /// </summary>
    public static int? ListenerOf(int port)
    {
        var inodes = new HashSet<string>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
                continue;
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length < 10 || f[3] != "0A")
                    continue; // 0A: LISTEN
                var local = f[1];
                var portHex = local[(local.LastIndexOf(':') + 1)..];
                if (int.Parse(portHex, NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port)
                    inodes.Add($"socket:[{f[9]}]");
            }
        }

        if (inodes.Count == 0)
            return null;

        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                continue;
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(dir, "fd")))
                {
                    var target = new FileInfo(fd).LinkTarget;
                    if (target != null && inodes.Contains(target))
                        return pid;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A process that ended or that we may not look into.
            }
        }

        return null;
    }
}
