using System.Diagnostics;
using Messaging.Benchmarks.Infrastructure;
using StackExchange.Redis;

namespace Messaging.Benchmarks.Workloads;

/// <summary>The schedule-rate ceiling: plain Redis <c>SET</c>s of the stored entry's size through StackExchange.Redis.</summary>
internal static class PlainSet
{
    /// <returns>Seconds taken by <paramref name="count" /> SETs with <paramref name="inFlight" /> in flight.</returns>
    public static async Task<double> Run(RedisServer redis, string prefix, int count, int inFlight, int valueBytes, CancellationToken cancellationToken)
    {
        var value = new byte[valueBytes];
        Random.Shared.NextBytes(value);
        var db = redis.Database;
        var started = Stopwatch.GetTimestamp();
        await Lanes.Run(count, inFlight, i => db.StringSetAsync((RedisKey)(prefix + "set:" + i), value), cancellationToken);
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}
