using System.Globalization;
using Messaging.FaultTests.Infrastructure;
using Messaging.FaultTests.Oracle;

namespace Messaging.FaultTests.Scenarios;

/// <summary>
/// 11. Redis stalls (<c>CLIENT PAUSE S ALL</c>: every client's commands wait, then run) in the middle of a drain, for longer
/// than the scheduler's operation timeout (5 s), so the bridge's claim times out although Redis runs it when the pause
/// ends. No message may be later than S + 2 s (the bridge asks again for what its timed-out claim took, rather than
/// leaving it claimed by nobody for a lease), and none lost.
/// </summary>
internal sealed class RedisPauseScenario : Scenario
{
    public override int Number => 11;
    public override string Title => "Redis paused (CLIENT PAUSE ALL) longer than the operation timeout during a drain";
    public override TimeSpan Bound(bool quick) => TimeSpan.FromSeconds(quick ? 120 : 600);

    public override async Task Run(ScenarioRun run)
    {
        var count = run.Quick ? 1_000 : 3_000;
        var spread = TimeSpan.FromSeconds(run.Quick ? 20 : 60);
        var pause = TimeSpan.FromSeconds(run.Quick ? 8 : 15);
        var allowed = pause + TimeSpan.FromSeconds(2);
        await run.StartRedis("--appendonly", "yes", "--appendfsync", "everysec");
        await run.StartWorker("w");
        run.StartSampling();

        var first = DateTime.UtcNow.AddSeconds(3);
        var entries = run.Plan(count, first, spread);
        await run.ScheduleAll(entries);

        // Pause a third of the way into the drain; the suite's own connection waits too, so the end is measured after it.
        await Clock.WaitUntil(Clock.ToUs(first) + (long)(spread.TotalMicroseconds / 3), run.Token);
        var inFlightBefore = await run.InFlight();
        var crash = new CrashEvent("Redis CLIENT PAUSE", Clock.NowUs(), "");
        crash.InFlight.UnionWith(inFlightBefore);
        await (await run.Redis.Database()).ExecuteAsync("CLIENT", "PAUSE", (long)pause.TotalMilliseconds, "ALL");
        await Clock.WaitUntil(crash.StartUs + (long)pause.TotalMicroseconds, run.Token);
        crash.EndUs = Clock.NowUs();
        crash.InFlight.UnionWith(await run.InFlight());
        crash.EndUs = Clock.NowUs();
        run.AddCrash(crash);
        crash.Description = string.Create(CultureInfo.InvariantCulture,
            $"CLIENT PAUSE {pause.TotalSeconds:0} s ALL at {Clock.Format(crash.StartUs)}; {inFlightBefore.Length} in flight before it");

        await run.WaitForExpected(TimeSpan.FromSeconds(run.Quick ? 60 : 300));
        run.CatchUp(crash.EndUs, run.LastFirstDelivery(run.Expected().Where(e => e.DueUs <= crash.EndUs)),
            "from the end of the pause to the first delivery of the last message that came due before it ended");
        await run.Settle(TimeSpan.FromSeconds(60));
        run.Evaluate();

        // Lateness of each message's first delivery by the bridge, as the consumer received it from the broker (the B
        // line, before the consumer's idempotency filter, which waits for the same paused Redis): none may exceed the
        // pause + 2 s. The SMS's own lateness is reported beside it.
        var late = new List<(LedgerEntry Entry, long LateUs)>();
        var lateDuring = new List<long>();
        long smsLateUs = 0;
        foreach (var e in run.Expected())
        {
            var records = run.Journal.For(e.TokenText);
            var received = run.Journal.BrokerFor(e.TokenText);
            if (records.Count == 0 && received.Count == 0)
                continue;
            var lateness = (received.Count > 0 ? received : records).Min(r => r.ReceivedUs) - e.DueUs;
            if (records.Count > 0)
                smsLateUs = Math.Max(smsLateUs, records.Min(r => r.ReceivedUs) - e.DueUs);
            late.Add((e, lateness));
            if (e.DueUs >= crash.StartUs - 1_000_000 && e.DueUs <= crash.EndUs)
                lateDuring.Add(lateness);
        }

        run.Result.Note(string.Create(CultureInfo.InvariantCulture,
            $"the SMS (after the consumer's idempotency filter, which needs the same Redis) was at most {smsLateUs / 1e6:0.00} s late"));

        if (late.Count > 0)
        {
            var worst = late.MaxBy(l => l.LateUs);
            var sorted = late.Select(l => l.LateUs).Order().ToArray();
            run.Result.Note(string.Create(CultureInfo.InvariantCulture,
                $"lateness of first deliveries: median {sorted[sorted.Length / 2] / 1000.0:0} ms, max {worst.LateUs / 1e6:0.00} s (allowed {allowed.TotalSeconds:0} s); {lateDuring.Count:#,0} messages came due in the second before or during the pause, max lateness {(lateDuring.Count == 0 ? 0 : lateDuring.Max()) / 1e6:0.00} s"));
            var tooLate = late.Where(l => l.LateUs > (long)allowed.TotalMicroseconds).ToArray();
            if (tooLate.Length > 0)
            {
                run.Result.Fail(string.Create(CultureInfo.InvariantCulture,
                    $"{tooLate.Length:#,0} message(s) were delivered more than {allowed.TotalSeconds:0} s after their due time (pause {pause.TotalSeconds:0} s + 2 s), the latest {worst.LateUs / 1e6:0.00} s late: {worst.Entry.TokenText} due {Clock.Format(worst.Entry.DueUs)}"));
            }
        }

        var recovered = run.CountInWorkerLogs("was answered at attempt");
        var timedOut = run.CountInWorkerLogs("asking again with the same claim id");
        run.Result.Note($"worker log: {timedOut} claim attempt(s) timed out and were asked again; {recovered} claim(s) answered after a retry");
    }
}
