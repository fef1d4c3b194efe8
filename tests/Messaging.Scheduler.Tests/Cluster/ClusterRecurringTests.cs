using Messaging.Scheduler.Tests.Infrastructure;

namespace Messaging.Scheduler.Tests.Cluster;

/// <summary>The tests of <see cref="RecurringTests" /> on the local Redis Cluster, with partitions on every primary.</summary>
public sealed class ClusterRecurringTests() : RecurringTests(RedisTarget.Cluster);
