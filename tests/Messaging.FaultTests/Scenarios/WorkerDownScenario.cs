using System.Globalization;
using Messaging.FaultTests.Infrastructure;
using Messaging.Testing;

namespace Messaging.FaultTests.Scenarios;

/// <summary>
/// 5. The worker is down (killed) while thousands of messages come due and their trigger keys expire to nobody; then it
/// starts. All must be delivered; the suite reports how fast the backlog drains.
/// </summary>
internal sealed class WorkerDownScenario : Scenario
{
    public override int Number => 5;
    public override string Title => "worker down while thousands of messages come due, then up";
    public override TimeSpan Bound(bool quick) => TimeSpan.FromSeconds(quick ? 90 : 600);

    public override async Task Run(ScenarioRun run)
    {
        var count = run.Quick ? 1_500 : 10_000;
        var spread = TimeSpan.FromSeconds(run.Quick ? 2 : 10);
        await run.StartRedis("--appendonly", "yes", "--appendfsync", "everysec");
        var worker = await run.StartWorker("w");
        var crash = await run.KillWorker(worker);
        crash.Description = "kill -9 the only worker before the messages come due";

        var first = DateTime.UtcNow.AddSeconds(run.Quick ? 2 : 4);
        var entries = run.Plan(count, first, spread);
        await run.ScheduleAll(entries);

        await Clock.WaitUntil(entries.Max(e => e.DueUs) + 1_000_000, run.Token);
        var expiring = System.Diagnostics.Stopwatch.StartNew();
        var expired = await Wait.TryUntil(async () => await run.TriggerKeys() == 0, TimeSpan.FromSeconds(60), run.Token, TimeSpan.FromMilliseconds(250));
        run.Result.Note(expired
            ? string.Create(CultureInfo.InvariantCulture, $"all {count:#,0} messages overdue and every trigger key expired (with nobody listening) {expiring.Elapsed.TotalSeconds:0.0} s after the last due time + 1 s; {run.Delivered} delivered meanwhile")
            : "some trigger keys were still there 60 s after the last due time");

        var startUs = Clock.NowUs();
        worker = await run.StartWorker("w", waitReady: false);
        var readyUs = await run.WaitReady(worker);
        await run.WaitForExpected(TimeSpan.FromSeconds(run.Quick ? 60 : 300));
        var last = run.LastFirstDelivery(run.Expected());
        run.CatchUp(startUs, last, "from starting the worker process to the last message's first delivery");
        if (last is { } l && run.FirstDeliveryAfter(startUs) is { } f)
        {
            run.Result.Note(string.Create(CultureInfo.InvariantCulture,
                $"worker host started {(readyUs - startUs) / 1e6:0.0} s after its process; first delivery {(f - startUs) / 1e6:0.00} s after the process start; catch-up rate {count / Math.Max(0.001, (l - f) / 1e6):#,0} messages/s (first to last delivery), {count / Math.Max(0.001, (l - startUs) / 1e6):#,0} messages/s counting the start-up"));
        }

        await run.Settle(TimeSpan.FromSeconds(60));
        run.Evaluate();
    }
}
