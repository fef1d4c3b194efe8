using Messaging.Scheduler.Tests.Infrastructure;

namespace Messaging.Scheduler.Tests.Cluster;

/// <summary>The tests of <see cref="StoreTests" /> on the local Redis Cluster, with partitions on every primary.</summary>
public sealed class ClusterStoreTests() : StoreTests(RedisTarget.Cluster);
