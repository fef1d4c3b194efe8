using System.Globalization;
using Messaging.FaultTests.Infrastructure;
using Messaging.FaultTests.Oracle;

namespace Messaging.FaultTests.Scenarios;

/// <summary>
/// 4. Redis on RDB only: a snapshot (SAVE) taken while messages wait, Redis killed, started again from that snapshot only
/// after every due time has passed. Redis drops the expired TTL trigger keys while loading, silently (no expired event):
/// the seed's design would lose every message; the due index must deliver them all.
/// </summary>
internal sealed class RdbRestoreScenario : Scenario
{
    public override int Number => 4;
    public override string Title => "Redis restarted from an RDB snapshot after the messages' due times";
    public override TimeSpan Bound(bool quick) => TimeSpan.FromSeconds(quick ? 90 : 600);

    public override async Task Run(ScenarioRun run)
    {
        var count = run.Quick ? 1_000 : 10_000;
        var lead = TimeSpan.FromSeconds(run.Quick ? 3 : 15);
        var spread = TimeSpan.FromSeconds(run.Quick ? 1 : 3);
        await run.StartRedis("--appendonly", "no", "--save", "");
        await run.StartWorker("w");

        var first = DateTime.UtcNow + lead;
        var entries = run.Plan(count, first, spread);
        await run.ScheduleAll(entries);
        var lastDueUs = entries.Max(e => e.DueUs);

        var db = await run.Redis.Database();
        await db.ExecuteAsync("SAVE");
        var triggersBefore = await run.TriggerKeys();
        var dueBefore = await db.SortedSetLengthAsync(run.DueKey);
        var deliveredBefore = run.Delivered;
        if (Clock.NowUs() >= Clock.ToUs(first) || deliveredBefore > 0)
            throw new InvalidOperationException("set-up too slow: messages came due before the snapshot was taken; raise the lead time");

        var crash = new CrashEvent("Redis SIGKILL", Clock.NowUs(), "kill -9 redis-server after SAVE");
        run.Redis.Kill9();
        run.AddCrash(crash);

        // Down until every message is overdue: each trigger key's TTL ran out while the server was not running.
        await Clock.WaitUntil(lastDueUs + 2_000_000, run.Token);
        await run.Redis.Start(run.Token);
        var upUs = Clock.NowUs();
        crash.EndUs = upUs;
        var triggersAfter = await run.TriggerKeys();
        var dueAfter = await run.Redis.Retry(d => d.SortedSetLengthAsync(run.DueKey), run.Token);
        crash.Description = string.Create(CultureInfo.InvariantCulture,
            $"kill -9 redis-server right after SAVE; started again from dump.rdb {(upUs - lastDueUs) / 1e6:0.0} s after the last due time");
        run.Result.Note(string.Create(CultureInfo.InvariantCulture,
            $"snapshot: {dueBefore:#,0} due-index entries and {triggersBefore:#,0} trigger keys; after loading it: {triggersAfter:#,0} trigger keys (expired ones dropped at load, no event), {dueAfter:#,0} due-index entries"));
        if (triggersBefore == 0 || triggersAfter > 0)
            run.Result.Note("the premise did not hold (trigger keys expected in the snapshot and none after loading)");

        await run.WaitForExpected(TimeSpan.FromSeconds(run.Quick ? 60 : 300));
        run.CatchUp(upUs, run.LastFirstDelivery(run.Expected()), "from Redis answering again (RDB loaded) to the last message's first delivery");
        await run.Settle(TimeSpan.FromSeconds(60));
        run.Evaluate();
    }
}
