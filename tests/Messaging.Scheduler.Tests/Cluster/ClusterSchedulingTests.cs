using Messaging.Scheduler.Tests.Infrastructure;

namespace Messaging.Scheduler.Tests.Cluster;

/// <summary>The tests of <see cref="SchedulingTests" /> on the local Redis Cluster, with partitions on every primary.</summary>
public sealed class ClusterSchedulingTests() : SchedulingTests(RedisTarget.Cluster);
