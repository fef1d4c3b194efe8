using System.Globalization;
using Messaging.FaultTests.Infrastructure;
using Messaging.FaultTests.Oracle;

namespace Messaging.FaultTests.Scenarios;

/// <summary>
/// 8. Cancel racing with the due time: every message is cancelled within ±30 ms of its due time, while the bridge claims
/// it. Each must end up either delivered or cancelled, never both and never neither: a cancel the product reported as
/// done must never be delivered; one reported too late (claimed) or not found (already delivered) must be.
/// </summary>
internal sealed class CancelRaceScenario : Scenario
{
    const int JitterUs = 30_000;

    public override int Number => 8;
    public override string Title => "cancel racing with the due time";
    public override TimeSpan Bound(bool quick) => TimeSpan.FromSeconds(quick ? 90 : 600);

    public override async Task Run(ScenarioRun run)
    {
        var count = run.Quick ? 400 : 5_000;
        var window = TimeSpan.FromSeconds(run.Quick ? 6 : 60);
        await run.StartRedis("--appendonly", "yes", "--appendfsync", "everysec");
        await run.StartWorker("w");

        var first = DateTime.UtcNow.AddSeconds(1.5);
        var entries = run.Plan(count, first, window);
        await run.ScheduleAll(entries);

        var plan = entries.Select(e => (Entry: e, AtUs: e.DueUs + Random.Shared.Next(-JitterUs, JitterUs + 1))).OrderBy(p => p.AtUs).ToArray();
        var cancels = new List<Task>(count);
        foreach (var (entry, atUs) in plan)
        {
            await Clock.WaitUntil(atUs, run.Token);
            cancels.Add(Task.Run(() => run.Producer.Cancel(entry), CancellationToken.None));
        }

        await Task.WhenAll(cancels);
        var failed = entries.Where(e => e.Cancel == CancelResult.Failed).ToArray();
        if (failed.Length > 0)
            run.Result.Fail($"{failed.Length} cancel call(s) threw with every server up, e.g. {failed[0].Error}");

        await run.WaitForExpected(TimeSpan.FromSeconds(run.Quick ? 60 : 300));
        var expected = run.Expected().ToArray();
        if (expected.Length > 0)
            run.CatchUp(expected.Max(e => e.DueUs), run.LastFirstDelivery(expected), "from the last due time of a message that was not cancelled to its first delivery");
        await run.Settle(TimeSpan.FromSeconds(60));
        run.Evaluate();

        // A cancel that returned "too late" (claimed) or "not found" (delivered and acknowledged) before the message's due
        // time means the bridge claimed it early: the cancel ran on Redis before it returned, on the same clock.
        var early = entries.Where(e => e.Cancel is CancelResult.TooLate or CancelResult.NotFound && e.CancelReturnedUs < e.DueUs).ToArray();
        if (early.Length > 0)
        {
            run.Result.Fail($"{early.Length} cancel(s) found the message already claimed or gone before its due time (claimed early)");
            foreach (var e in early.Take(5))
                run.Result.Evidence.Add($"CLAIMED EARLY {e.TokenText}: due {Clock.Format(e.DueUs)}, cancel returned {e.Cancel} at {Clock.Format(e.CancelReturnedUs)}");
        }

        foreach (var outcome in new[] { CancelResult.Cancelled, CancelResult.TooLate, CancelResult.NotFound })
        {
            var offsets = entries.Where(e => e.Cancel == outcome).Select(e => (e.CancelCalledUs - e.DueUs) / 1000.0).ToArray();
            var returned = entries.Where(e => e.Cancel == outcome).Select(e => (e.CancelReturnedUs - e.DueUs) / 1000.0).ToArray();
            if (offsets.Length > 0)
            {
                run.Result.Note(string.Create(CultureInfo.InvariantCulture,
                    $"cancel reported {outcome}: {offsets.Length:#,0}, called {offsets.Min():+0;-0;0} to {offsets.Max():+0;-0;0} ms from the due time, returned {returned.Min():+0;-0;0} to {returned.Max():+0;-0;0} ms"));
            }
        }
    }
}
