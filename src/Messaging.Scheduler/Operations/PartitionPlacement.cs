using StackExchange.Redis;

namespace Messaging.Scheduler.Operations;

/// <summary>
/// Which Redis Cluster primary holds each partition, read at the bridge's start: a line for the log, and a problem when
/// the partitions are spread unevenly over the primaries (one primary then does more of the work than the others).
/// </summary>
internal sealed record PartitionPlacement(string Summary, string? Problem)
{
    /// <summary>The placement on the cluster <paramref name="multiplexer" /> is connected to; null when it is not a cluster.</summary>
    public static PartitionPlacement? Read(ConnectionMultiplexer multiplexer, SchedulerKeyspace keyspace)
    {
        var primaries = multiplexer.GetServers().Where(s => s is { ServerType: ServerType.Cluster, IsReplica: false, IsConnected: true })
            .Select(s => s.EndPoint.ToString()!)
            .ToList();
        if (primaries.Count == 0)
            return null;

        return Of(keyspace, primaries, key => multiplexer.GetServer(key).EndPoint.ToString()!);
    }

    /// <summary>The placement, given the primaries and which of them holds a key.</summary>
    public static PartitionPlacement Of(SchedulerKeyspace keyspace, IReadOnlyCollection<string> primaries, Func<RedisKey, string> primaryOf)
    {
        var byPrimary = primaries.ToDictionary(p => p, _ => new List<int>());
        foreach (var partition in keyspace.Partitions)
        {
            var primary = primaryOf(partition.Due);
            if (!byPrimary.TryGetValue(primary, out var list))
                byPrimary[primary] = list = [];
            list.Add(partition.Partition);
        }

        var summary = string.Join(", ", byPrimary.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{p.Key}: {p.Value.Count} ({string.Join(" ", p.Value)})"));
        var counts = byPrimary.Values.Select(v => v.Count).ToList();
        var partitions = keyspace.Partitions.Count;
        string? problem = null;
        if (counts.Max() - counts.Min() > (partitions % byPrimary.Count == 0 ? 0 : 1))
            problem = $"The {partitions} partition(s) are spread unevenly over the cluster's {byPrimary.Count} primaries ({summary}): the fullest primary " +
                $"does more of the scheduling and claiming than the others. Use a multiple of {byPrimary.Count} for " +
                $"{RedisSchedulerOptions.SectionName}:{nameof(RedisSchedulerOptions.Partitions)} with the {RedisPartitionLayout.Spread} layout on a cluster " +
                "whose slots are split evenly (redis-cli --cluster rebalance), or move slots so that each primary holds as many partitions.";
        return new PartitionPlacement(summary, problem);
    }
}
