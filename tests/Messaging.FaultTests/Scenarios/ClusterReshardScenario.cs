using System.Globalization;
using Messaging.FaultTests.Infrastructure;
using StackExchange.Redis;

namespace Messaging.FaultTests.Scenarios;

/// <summary>
/// 13. On a Redis Cluster of the suite's own (3 primaries, 3 replicas, 3 partitions): while the bridge drains, the slot of
/// a partition with entries still due moves, with its keys, to another primary (SETSLOT IMPORTING/MIGRATING, MIGRATE, SETSLOT
/// NODE). No process crashes: every message exactly once.
/// </summary>
internal sealed class ClusterReshardScenario : Scenario
{
    public override int Number => 13;
    public override string Title => "cluster: reshard a partition's slot to another primary mid-drain: nothing lost, no duplicates";

    public override TimeSpan Bound(bool quick) => TimeSpan.FromSeconds(quick ? 150 : 900);

    public override async Task Run(ScenarioRun run)
    {
        var count = run.Quick ? 2_000 : 20_000;
        var spread = TimeSpan.FromSeconds(run.Quick ? 4 : 20);
        await run.StartCluster(partitions: 3, waitForReplicas: 0);
        await run.StartWorker("w");
        run.StartSampling();

        var first = DateTime.UtcNow.AddSeconds(2);
        var entries = run.Plan(count, first, spread);
        await run.ScheduleAll(entries);

        // Mid-drain: once a quarter is delivered, move the slot of the partition with the most entries still due.
        await run.WaitForDelivered(count / 4, TimeSpan.FromSeconds(run.Quick ? 60 : 300));
        var admin = await run.Cluster.Admin();
        var lengths = new List<(RedisKey Key, long Length)>();
        foreach (var key in await run.Cluster.Keys(run.Prefix + "*:due"))
            lengths.Add((key, await admin.GetDatabase().SortedSetLengthAsync(key)));
        var (busiest, pending) = lengths.MaxBy(l => l.Length);
        var slot = await run.Cluster.SlotOf(busiest);
        var source = await run.Cluster.OwnerOf(slot);
        var target = (await run.Cluster.Primaries()).First(p => p.Id != source.Id);
        var movedUs = Clock.NowUs();
        await run.Cluster.MoveSlot(slot, target, run.Token);
        var doneUs = Clock.NowUs();
        run.Result.Note(string.Create(CultureInfo.InvariantCulture,
            $"moved slot {slot} ({busiest}, {pending:#,0} entries due) from {source.Node.Configuration} to {target.Node.Configuration} at {Clock.Format(movedUs)} in {(doneUs - movedUs) / 1000.0:0} ms, with {run.Delivered:#,0} of {count:#,0} delivered"));

        await run.WaitForExpected(TimeSpan.FromSeconds(run.Quick ? 90 : 600));
        run.CatchUp(Clock.ToUs(first), run.LastFirstDelivery(run.Expected()), "drain: from the first due time to the last message's first delivery");
        await run.Settle(TimeSpan.FromSeconds(60));
        var restarts = run.CountInWorkerLogs("cannot reach Redis to claim");
        if (restarts > 0)
            run.Result.Fail($"the bridge's claim loop started over {restarts} time(s) while the slot moved: a claim refused while a slot moves should set only its partition aside");
        run.Result.Note($"worker log: {run.CountInWorkerLogs("Claims in partition")} claim(s) set aside, {restarts} claim loop restart(s), {run.CountInWorkerLogs("; asked again in ")} acknowledgement call(s) asked again, {run.CountInWorkerLogs("Could not acknowledge")} given up on (TRYAGAIN while the slot's keys were split between the primaries)");
        run.Evaluate();
    }
}
