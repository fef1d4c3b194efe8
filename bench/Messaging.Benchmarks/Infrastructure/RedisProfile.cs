using System.Globalization;
using System.Text;
using StackExchange.Redis;

namespace Messaging.Benchmarks.Infrastructure;

/// <summary>
/// What Redis itself says about a workload (with <c>--profile</c>): <c>INFO commandstats</c> (reset before the workload;
/// commands run inside Lua scripts are counted too) and the slowest <c>SLOWLOG</c> entries (over the server's 10 ms threshold).
/// </summary>
internal static class RedisProfile
{
    public static async Task Reset(RedisServer redis)
    {
        await redis.Server.ConfigResetStatisticsAsync();
        await redis.Server.SlowlogResetAsync();
    }

    public static async Task<string> Capture(RedisServer redis, string label)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"#### Redis profile: {label}");
        sb.AppendLine();
        sb.AppendLine("| command | calls | usec total | usec/call |");
        sb.AppendLine("|---|---:|---:|---:|");
        var stats = new List<(string Command, long Calls, long Usec, double PerCall)>();
        foreach (var group in await redis.Server.InfoAsync("commandstats"))
        {
            foreach (var pair in group)
            {
                var fields = pair.Value.Split(',').Select(f => f.Split('=', 2)).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
                stats.Add((pair.Key.Replace("cmdstat_", "", StringComparison.Ordinal),
                    long.Parse(fields.GetValueOrDefault("calls", "0"), CultureInfo.InvariantCulture),
                    long.Parse(fields.GetValueOrDefault("usec", "0"), CultureInfo.InvariantCulture),
                    double.Parse(fields.GetValueOrDefault("usec_per_call", "0"), CultureInfo.InvariantCulture)));
            }
        }

        foreach (var (command, calls, usec, perCall) in stats.OrderByDescending(s => s.Usec).Take(15))
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {command} | {calls:#,0} | {usec:#,0} | {perCall:0.00} |");

        var slow = await redis.Server.SlowlogGetAsync(10);
        if (slow.Length > 0)
        {
            sb.AppendLine();
            sb.AppendLine("SLOWLOG (slowest entries over the slowlog threshold):");
            sb.AppendLine();
            foreach (var entry in slow.OrderByDescending(e => e.Duration).Take(5))
            {
                var args = string.Join(' ', entry.Arguments.Take(4).Select(a => a.ToString() is { Length: > 40 } s ? s[..40] + "…" : a.ToString()));
                sb.AppendLine(CultureInfo.InvariantCulture, $"- {entry.Duration.TotalMilliseconds:0.00} ms: `{args}`");
            }
        }

        return sb.ToString();
    }
}
