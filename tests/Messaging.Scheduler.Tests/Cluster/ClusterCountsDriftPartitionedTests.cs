using Messaging.Scheduler.Tests.Infrastructure;
using Messaging.Scheduler.Tests.Inspection;

namespace Messaging.Scheduler.Tests.Cluster;

/// <summary>The counts checked against a full scan after random operations, on the local Redis Cluster with partitions on
/// every primary.</summary>
public sealed class ClusterCountsDriftPartitionedTests() : CountsDriftTestBase("drift-cluster", RedisTarget.ClusterPartitions, 1010, TestServers.RedisCluster);
