using MassTransit;
using MassTransit.NewIdProviders;
using Microsoft.Extensions.Options;

namespace Messaging.Scheduler.Tests;

/// <summary>
/// Which partition a token lives in, and where each partition's keys land on a Redis Cluster (issue 12: with the original
/// layout, MassTransit's sequential <c>NewId</c> tokens all went to one partition, and the <c>{p}</c> hash tags put 2, 4 and
/// 2 of 8 partitions on 3 primaries).
/// </summary>
public sealed class PartitionLayoutTests
{
    [Theory]
    [InlineData("123456789", 0x31C3)] // the CRC16/XMODEM check value the Redis Cluster specification gives
    [InlineData("foo", 12182)]
    [InlineData("somekey", 11058)]
    [InlineData("0", 13907)]
    public void The_slot_of_a_hash_tag_is_the_one_redis_cluster_computes(string tag, int slot) => Assert.Equal(slot, ClusterSlots.Of(tag));

    [Fact]
    public void Sequential_NewId_tokens_from_one_process_spread_evenly()
    {
        var tokens = Enumerable.Range(0, 24_000).Select(_ => NewId.NextGuid()).ToList();

        foreach (var partitions in new[] { 3, 6, 8, 12 })
            AssertEven(new SchedulerKeyspace("p:", partitions), tokens, partitions);
    }

    [Fact]
    public void NewId_tokens_from_several_processes_and_hosts_spread_evenly()
    {
        // Eight producers, each its own worker id (host) and process id, taking turns: what a fleet of services sends.
        var generators = Enumerable.Range(1, 8)
            .Select(i => new NewIdGenerator(new StopwatchTickProvider(), new FixedWorkerId(i), new FixedProcessId(i * 7919)))
            .ToList();
        var tokens = new List<Guid>();
        for (var round = 0; round < 3_000; round++)
            tokens.AddRange(generators.Select(g => g.NextGuid()));

        foreach (var partitions in new[] { 3, 6, 8 })
            AssertEven(new SchedulerKeyspace("p:", partitions), tokens, partitions);
    }

    [Fact]
    public void The_original_layout_keeps_its_keys_and_its_crowding()
    {
        var keyspace = new SchedulerKeyspace("p:", 8, RedisPartitionLayout.Original);
        var tokens = Enumerable.Range(0, 8_000).Select(_ => NewId.NextGuid()).ToList();

        Assert.Equal("p:{3}:due", keyspace.Partitions[3].Due.ToString());
        var fullest = tokens.GroupBy(t => keyspace.For(t).Partition).Max(g => g.Count());
        // What the issue found: sequential NewId tokens share one partition for long stretches. The original layout must
        // keep doing exactly that, or the tokens already stored that way could not be found again.
        Assert.True(fullest > tokens.Count / 2, $"the fullest partition has {fullest} of {tokens.Count}");
        var random = Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
        Span<byte> bytes = stackalloc byte[16];
        random.TryWriteBytes(bytes);
        var expected = (BitConverter.ToUInt32(bytes[..4]) ^ BitConverter.ToUInt32(bytes[12..])) % 8;
        Assert.Equal((int)expected, keyspace.For(random).Partition);
    }

    [Fact]
    public void One_partition_is_named_the_same_in_both_layouts()
    {
        Assert.Equal("p:{0}:due", new SchedulerKeyspace("p:", 1).Partitions[0].Due.ToString());
        Assert.Equal("p:{0}:due", new SchedulerKeyspace("p:", 1, RedisPartitionLayout.Original).Partitions[0].Due.ToString());
    }

    [Theory]
    [InlineData(3, 3)]
    [InlineData(6, 3)]
    [InlineData(12, 3)]
    [InlineData(8, 4)]
    [InlineData(16, 4)]
    [InlineData(10, 5)]
    [InlineData(64, 8)]
    [InlineData(1024, 16)]
    public void N_partitions_land_evenly_on_M_primaries_whose_slots_are_split_evenly(int partitions, int primaries)
    {
        var keyspace = new SchedulerKeyspace("p:", partitions);
        // redis-cli --cluster create gives primary i the slots from i * 16384 / M, rounded, to the next one's start.
        var starts = Enumerable.Range(0, primaries).Select(i => (int)Math.Round(i * 16384.0 / primaries)).ToArray();
        int PrimaryOf(int slot) => Array.FindLastIndex(starts, start => start <= slot);

        var perPrimary = keyspace.Partitions.GroupBy(p => PrimaryOf(ClusterSlots.Of(p.Tag))).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(primaries, perPrimary.Count);
        Assert.All(perPrimary.Values, count => Assert.Equal(partitions / primaries, count));
        Assert.Equal(partitions, keyspace.Partitions.Select(p => p.Tag).Distinct().Count());
        Assert.All(keyspace.Partitions, p => Assert.Equal("p:{" + p.Tag + "}:", p.Root));
    }

    [Fact]
    public void The_bridge_names_an_uneven_placement_and_what_to_set_and_is_silent_about_an_even_one()
    {
        string[] primaries = ["a:7000", "b:7001", "c:7002"];
        string PrimaryOf(StackExchange.Redis.RedisKey key)
        {
            var name = (string)key!;
            var tag = name[(name.IndexOf('{') + 1)..name.IndexOf('}')];
            return primaries[Math.Min(2, ClusterSlots.Of(tag) * 3 / 16384)];
        }

        var even = PartitionPlacement.Of(new SchedulerKeyspace("p:", 6), primaries, PrimaryOf);
        Assert.Null(even.Problem);
        Assert.Equal("a:7000: 2 (0 1), b:7001: 2 (2 3), c:7002: 2 (4 5)", even.Summary);

        // The original layout's {0}..{7} tags: 2, 4 and 2 partitions on three primaries, as the issue found.
        var original = PartitionPlacement.Of(new SchedulerKeyspace("p:", 8, RedisPartitionLayout.Original), primaries, PrimaryOf);
        Assert.NotNull(original.Problem);
        Assert.Contains("Use a multiple of 3 for RedisScheduler:Partitions", original.Problem, StringComparison.Ordinal);

        // 8 partitions on 3 primaries cannot be even: 3, 2, 3 is as close as it gets, and says nothing.
        Assert.Null(PartitionPlacement.Of(new SchedulerKeyspace("p:", 8), primaries, PrimaryOf).Problem);
    }

    static void AssertEven(SchedulerKeyspace keyspace, IReadOnlyList<Guid> tokens, int partitions)
    {
        var counts = tokens.GroupBy(t => keyspace.For(t).Partition).ToDictionary(g => g.Key, g => g.Count());
        var mean = tokens.Count / (double)partitions;

        Assert.Equal(partitions, counts.Count);
        // Binomial spread: the standard deviation is below 1 % of the mean here; 10 % is far outside chance.
        Assert.All(counts.Values, c => Assert.InRange(c, mean * 0.9, mean * 1.1));
        Assert.All(tokens.Take(100), t => Assert.Same(keyspace.For(t), keyspace.For(t)));
    }

    sealed class FixedWorkerId(int id) : IWorkerIdProvider
    {
        public byte[] GetWorkerId(int index) => BitConverter.GetBytes((long)id * 1_000_003)[..6];
    }

    sealed class FixedProcessId(int id) : IProcessIdProvider
    {
        public byte[] GetProcessId() => BitConverter.GetBytes(id);
    }
}
