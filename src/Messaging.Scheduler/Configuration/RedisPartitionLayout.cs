namespace Messaging.Scheduler;

/// <summary>
/// How the scheduler's partitions are named in Redis and which partition a token belongs to
/// (<see cref="RedisSchedulerOptions.PartitionLayout" />). With one partition both layouts are the same.
/// </summary>
public enum RedisPartitionLayout
{
    /// <summary>
    /// The default. A token's partition is a hash of all its bytes, so MassTransit's sequential <c>NewId</c> tokens spread
    /// evenly; partition <c>p</c> of <c>N</c> carries a hash tag (<c>{p.k}</c>) whose Redis Cluster slot lies in the
    /// <c>p</c>-th of <c>N</c> equal slot ranges, so that <c>N</c> partitions land evenly on <c>M</c> primaries whose slots
    /// are split evenly (as <c>redis-cli --cluster create</c> does) when <c>N</c> is a multiple of <c>M</c>.
    /// </summary>
    Spread = 0,

    /// <summary>
    /// The layout of versions before this one: partition <c>p</c>'s hash tag is <c>{p}</c>, and a token's partition comes
    /// from 8 of its 16 bytes, which are nearly constant for <c>NewId</c> tokens, so most messages share one partition.
    /// Only for a keyspace that already holds messages written that way with more than one partition: the scheduler
    /// refuses to start on such a keyspace with <see cref="Spread" /> and says so.
    /// </summary>
    Original = 1,
}
