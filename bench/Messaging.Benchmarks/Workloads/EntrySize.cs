using Messaging.Benchmarks.Infrastructure;

namespace Messaging.Benchmarks.Workloads;

/// <summary>The stored entry's size: <c>HSTRLEN &lt;prefix&gt;{0}:entries &lt;token&gt;</c>, averaged over a sample.</summary>
internal static class EntrySize
{
    public static async Task<double> Of(RedisServer redis, string prefix, IEnumerable<Guid> tokens)
    {
        var sizes = new List<long>();
        foreach (var token in tokens.Where(t => t != Guid.Empty))
            sizes.Add(await redis.Database.HashStringLengthAsync(prefix + "{0}:entries", token.ToString("N")));
        if (sizes.Count == 0 || sizes.Any(s => s == 0))
            throw new BenchmarkFailedException($"HSTRLEN {prefix}{{0}}:entries found no entry for a scheduled token: the key layout is not what the benchmark expects.");
        return sizes.Average();
    }
}
