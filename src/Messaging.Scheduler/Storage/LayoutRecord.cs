using System.Globalization;
using StackExchange.Redis;

namespace Messaging.Scheduler.Storage;

/// <summary>
/// The record of a keyspace's partition count and layout, <c>&lt;prefix&gt;layout</c>: written by the first process that
/// reaches Redis, checked by every other before its first script. Processes that disagreed would name different keys for
/// one token: a message stored where no bridge claims, a cancel that misses.
/// </summary>
internal static class LayoutRecord
{
    public static string Describe(SchedulerKeyspace keyspace) =>
        $"partitions={keyspace.Partitions.Count.ToString(CultureInfo.InvariantCulture)} layout={keyspace.Layout}";

    /// <summary>Records the keyspace's layout, or checks it against the record.</summary>
    /// <exception cref="InvalidOperationException">The record (or, without one, what the keyspace holds) does not match.</exception>
    public static async Task Check(IDatabase db, SchedulerKeyspace keyspace, string redis)
    {
        var wanted = Describe(keyspace);
        var recorded = await db.StringGetAsync(keyspace.LayoutKey).ConfigureAwait(false);
        if (recorded.IsNull)
        {
            if (keyspace is { Layout: RedisPartitionLayout.Spread, Partitions.Count: > 1 } && await OriginalKey(db, keyspace).ConfigureAwait(false) is { } found)
                throw new InvalidOperationException(
                    $"The keyspace '{keyspace.Prefix}' at {redis} holds messages written by an earlier version in the original partition layout " +
                    $"('{found}' exists), and {Option(nameof(RedisSchedulerOptions.PartitionLayout))} is {RedisPartitionLayout.Spread}: this process would look " +
                    $"for them under other keys, and never deliver or cancel them. Set {Option(nameof(RedisSchedulerOptions.PartitionLayout))} to " +
                    $"{RedisPartitionLayout.Original} in every process that uses this prefix, or give the new layout another " +
                    $"{Option(nameof(RedisSchedulerOptions.KeyPrefix))} and keep one bridge with {RedisPartitionLayout.Original} on this one until it is empty.");

            if (await db.StringSetAsync(keyspace.LayoutKey, wanted, when: When.NotExists).ConfigureAwait(false))
                return;

            recorded = await db.StringGetAsync(keyspace.LayoutKey).ConfigureAwait(false);
        }

        if (recorded != wanted)
            throw new InvalidOperationException(
                $"The keyspace '{keyspace.Prefix}' at {redis} is laid out as '{recorded}' (key '{keyspace.LayoutKey}'), and this process is " +
                $"configured for '{wanted}' ({Option(nameof(RedisSchedulerOptions.Partitions))}, {Option(nameof(RedisSchedulerOptions.PartitionLayout))}). " +
                "Every process that shares a key prefix must use the same ones: messages in partitions this process does not read would never be " +
                $"delivered, and its cancels would miss them. Set them to the recorded values, or use another {Option(nameof(RedisSchedulerOptions.KeyPrefix))}.");
    }

    static string Option(string name) => RedisSchedulerOptions.SectionName + ":" + name;

    /// <summary>A key of the original layout (<c>&lt;prefix&gt;{p}:due</c> and the like) that exists, or null.</summary>
    static async Task<string?> OriginalKey(IDatabase db, SchedulerKeyspace keyspace)
    {
        var original = new SchedulerKeyspace(keyspace.Prefix, keyspace.Partitions.Count, RedisPartitionLayout.Original);
        var checks = original.Partitions
            .Select(async p => (Partition: p, Found: await db.KeyExistsAsync([p.Due, p.InFlight, p.Dead, p.Recurring]).ConfigureAwait(false)))
            .ToArray();
        foreach (var check in checks)
        {
            var (partition, found) = await check.ConfigureAwait(false);
            if (found > 0)
                return partition.Root + "...";
        }

        return null;
    }
}
