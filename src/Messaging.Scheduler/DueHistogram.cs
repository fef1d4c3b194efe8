namespace Messaging.Scheduler;

/// <summary>How many waiting messages fall due in each slice of time ahead (<see cref="IRedisScheduledMessages.DueHistogram" />).</summary>
/// <param name="StartUtc">The start of the first slice: now, by the Redis clock.</param>
/// <param name="BucketWidth">The length of each slice.</param>
/// <param name="Counts">The messages due in each slice, earliest first.</param>
public sealed record DueHistogram(DateTime StartUtc, TimeSpan BucketWidth, IReadOnlyList<long> Counts);
