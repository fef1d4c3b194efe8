using System.Globalization;
using Messaging.FaultTests.Infrastructure;

namespace Messaging.FaultTests.Scenarios;

/// <summary>
/// 14. Three worker processes (three bridges) on a Redis Cluster of the suite's own (3 primaries, 3 replicas, 3 partitions),
/// no faults: every message exactly once. No crash happens, so any duplicate fails the scenario.
/// </summary>
internal sealed class ClusterThreeBridgesScenario : Scenario
{
    public override int Number => 14;
    public override string Title => "cluster: three bridges, no faults: no duplicates, nothing lost";

    public override TimeSpan Bound(bool quick) => TimeSpan.FromSeconds(quick ? 120 : 600);

    public override async Task Run(ScenarioRun run)
    {
        var count = run.Quick ? 2_000 : 20_000;
        var spread = TimeSpan.FromSeconds(run.Quick ? 1 : 3);
        await run.StartCluster(partitions: 3, waitForReplicas: 0);
        var workers = new[] { await run.StartWorker("a", false), await run.StartWorker("b", false), await run.StartWorker("c", false) };
        foreach (var worker in workers)
            await run.WaitReady(worker);

        var first = DateTime.UtcNow.AddSeconds(1);
        var entries = run.Plan(count, first, spread);
        await run.ScheduleAll(entries);
        await run.WaitForExpected(TimeSpan.FromSeconds(run.Quick ? 60 : 300));
        var last = run.LastFirstDelivery(run.Expected());
        run.CatchUp(Clock.ToUs(first), last, "drain: from the first due time to the last message's first delivery");
        if (last is { } l)
            run.Result.Note(string.Create(CultureInfo.InvariantCulture, $"{count:#,0} messages due within {spread.TotalSeconds:0} s, drained at {count / Math.Max(0.001, (l - Clock.ToUs(first)) / 1e6):#,0} messages/s"));

        await run.Settle(TimeSpan.FromSeconds(60));
        var byWorker = run.Journal.All.Where(r => run.Ledger.Contains(r.Token)).GroupBy(r => r.Pid).Select(g => $"pid {g.Key}: {g.Count():#,0}");
        run.Result.Note("consumed per worker: " + string.Join(", ", byWorker));
        run.Evaluate();
    }
}
