using System.Globalization;
using Messaging.FaultTests.Infrastructure;

namespace Messaging.FaultTests.Scenarios;

/// <summary>
/// 1. kill -9 the worker at random moments of a drain (20,000 due messages, 6 kills; quick: 2,000 and 3), restarting it
/// each time. What the killed bridge held claimed comes back when its lease runs out; what its consumer held unacknowledged
/// RabbitMQ delivers again: both may be duplicates, nothing may be lost.
/// </summary>
internal sealed class WorkerKillScenario : Scenario
{
    public override int Number => 1;
    public override string Title => "kill -9 the worker during a drain, restart it each time";
    public override TimeSpan Bound(bool quick) => TimeSpan.FromSeconds(quick ? 150 : 1200);

    public override async Task Run(ScenarioRun run)
    {
        var count = run.Quick ? 2_000 : 20_000;
        var kills = run.Quick ? 3 : 6;

        // The worker's consumers are idempotent (UseRedisIdempotentConsumer): copies RabbitMQ redelivers after a kill are
        // counted as duplicates at the broker, and must not send a second SMS.
        run.Result.RequireNoDuplicateSms = true;
        await run.StartRedis("--appendonly", "yes", "--appendfsync", "everysec");
        var worker = await run.StartWorker("w");
        run.StartSampling();

        var first = DateTime.UtcNow.AddSeconds(1);
        var entries = run.Plan(count, first, TimeSpan.FromSeconds(run.Quick ? 1 : 3));
        var scheduling = System.Diagnostics.Stopwatch.StartNew();
        await run.ScheduleAll(entries);
        run.Result.Note(string.Create(CultureInfo.InvariantCulture, $"{count:#,0} messages due within {(run.Quick ? 1 : 3)} s of {Clock.Format(Clock.ToUs(first))}; scheduled in {scheduling.Elapsed.TotalSeconds:0.0} s; lease {run.Suite.Lease.TotalSeconds:0} s"));

        // Random points of the drain, by delivered count, at least 8% apart; each kill a random 0-250 ms after its point.
        var points = new SortedSet<double>();
        while (points.Count < kills)
        {
            var p = 0.05 + Random.Shared.NextDouble() * 0.8;
            if (points.All(q => Math.Abs(q - p) >= 0.08))
                points.Add(p);
        }

        long restartedUs = 0;
        var k = 0;
        foreach (var point in points)
        {
            k++;
            if (!await run.WaitForDelivered((int)(point * count), TimeSpan.FromSeconds(run.Quick ? 60 : 300)))
            {
                run.Result.BoundExceeded = true;
                run.Result.Fail($"the drain stalled before kill {k} ({run.Delivered} of {count} delivered)");
                break;
            }

            await Clock.WaitUntil(Clock.NowUs() + Random.Shared.Next(0, 250_000), run.Token);
            var delivered = run.Delivered;
            var killed = worker.Pid;
            var crash = await run.KillWorker(worker);
            worker = await run.StartWorker("w", waitReady: false);
            restartedUs = worker.Process.StartedUs;
            await run.WaitReady(worker);
            run.Result.Note(string.Create(CultureInfo.InvariantCulture,
                $"kill {k}: pid {killed} at {delivered:#,0}/{count:#,0} delivered, {crash.InFlight.Count} claimed in Redis at the kill; restarted as pid {worker.Pid}"));
        }

        await run.WaitForExpected(TimeSpan.FromSeconds(run.Quick ? 90 : 600));
        var last = run.LastFirstDelivery(run.Expected());
        run.CatchUp(restartedUs, last, "from the last restart to the last message's first delivery (includes waiting out the lease of the messages the killed bridge held)");
        if (last is { } l)
            run.Result.Note(string.Create(CultureInfo.InvariantCulture, $"whole drain: {(l - Clock.ToUs(first)) / 1e6:0.0} s from the first due time, {kills} kills included"));
        await run.Settle(TimeSpan.FromSeconds(60));
        run.Evaluate();
    }
}
