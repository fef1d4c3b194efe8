using System.Globalization;
using StackExchange.Redis;

namespace Messaging.Scheduler.Operations;

/// <summary>
/// Reads the Redis settings that decide whether a scheduled message can be lost, with <c>INFO</c> (allowed where
/// <c>CONFIG</c> is not): an eviction policy other than <c>noeviction</c> may drop entries under memory pressure, and without
/// AOF a crash loses what was scheduled since the last snapshot. It also reads how close each server is to its
/// <c>maxmemory</c>, at which it refuses new scheduled messages.
/// </summary>
internal sealed class ServerSettingsCheck
{
    readonly RedisConnection _connection;

    public ServerSettingsCheck(RedisConnection connection)
    {
        _connection = connection;
    }

    /// <returns>One sentence per problem, each saying what to change; empty when the settings are safe.</returns>
    /// <exception cref="RedisSchedulerUnavailableException">No Redis server could be reached.</exception>
    public async Task<IReadOnlyList<string>> Problems() => (await Inspect().ConfigureAwait(false)).Problems;

    /// <summary>The settings' problems, and what stops scheduling right now: a server at its memory limit.</summary>
    /// <exception cref="RedisSchedulerUnavailableException">No Redis server could be reached.</exception>
    public async Task<ServerReport> Inspect()
    {
        var multiplexer = await _connection.Get().ConfigureAwait(false);
        var problems = new List<string>();
        var failures = new List<string>();
        var reached = false;
        foreach (var endpoint in multiplexer.GetEndPoints())
        {
            var server = multiplexer.GetServer(endpoint);
            if (!server.IsConnected || server.IsReplica)
                continue;

            reached = true;
            Dictionary<string, string> info;
            try
            {
                info = (await server.InfoAsync().ConfigureAwait(false))
                    .SelectMany(section => section)
                    .GroupBy(pair => pair.Key, StringComparer.Ordinal)
                    .ToDictionary(group => group.Key, group => group.First().Value, StringComparer.Ordinal);
            }
            catch (RedisServerException ex)
            {
                problems.Add($"The scheduler could not read the settings of Redis {endpoint} with INFO ({ex.Message}): make sure it runs with " +
                    "'maxmemory-policy noeviction' and 'appendonly yes'.");
                continue;
            }

            if (info.TryGetValue("maxmemory_policy", out var policy) && policy != "noeviction")
            {
                problems.Add($"Redis {endpoint} has maxmemory-policy '{policy}': under memory pressure it may evict scheduled messages. " +
                    "Set 'maxmemory-policy noeviction'.");
            }

            // Redis refuses new data above maxmemory (with noeviction: every schedule fails, OOM); delivery, acknowledgement,
            // cancel and dead-lettering go on and free memory.
            if (info.TryGetValue("maxmemory", out var maxText) && long.TryParse(maxText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var max) &&
                max > 0 && info.TryGetValue("used_memory", out var usedText) &&
                long.TryParse(usedText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var used))
            {
                if (used >= max)
                {
                    failures.Add($"Redis {endpoint} is at its memory limit (used_memory {used} bytes, maxmemory {max} bytes): it refuses new scheduled " +
                        "messages (nothing is stored) while the bridges keep delivering. Raise 'maxmemory' or let the backlog drain.");
                }
                else if (used >= max / 10 * 9)
                {
                    problems.Add($"Redis {endpoint} is near its memory limit (used_memory {used} bytes, maxmemory {max} bytes, " +
                        $"{100.0 * used / max:0}%): at the limit it refuses new scheduled messages. Raise 'maxmemory'.");
                }
            }

            if (info.TryGetValue("aof_enabled", out var aof) && aof != "1")
            {
                problems.Add($"Redis {endpoint} runs without AOF persistence: a crash or restart loses the messages scheduled since the last " +
                    "snapshot. Set 'appendonly yes' (and 'appendfsync everysec' or 'always').");
            }
        }

        if (!reached)
            throw new RedisSchedulerUnavailableException($"No Redis server at {_connection.Describe()} could be reached.");

        return new ServerReport(problems, failures);
    }
}

/// <summary>What <see cref="ServerSettingsCheck.Inspect" /> found.</summary>
/// <param name="Problems">Settings that can lose messages, or a server near its memory limit: degraded.</param>
/// <param name="Failures">A server at its memory limit, which refuses every new scheduled message: unhealthy.</param>
internal sealed record ServerReport(IReadOnlyList<string> Problems, IReadOnlyList<string> Failures);
