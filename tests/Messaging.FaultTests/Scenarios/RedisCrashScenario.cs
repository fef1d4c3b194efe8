using System.Globalization;
using Messaging.FaultTests.Infrastructure;
using Messaging.FaultTests.Oracle;
using StackExchange.Redis;

namespace Messaging.FaultTests.Scenarios;

/// <summary>
/// 3. kill -9 Redis (AOF on) while a producer schedules as fast as it can and the bridge drains, then start it again on
/// its files. With <c>appendfsync always</c> every call that returned must be delivered. With <c>everysec</c> the suite
/// measures the window: calls that returned before the crash whose message is gone after it (absent from Redis after the
/// restart and never delivered).
/// </summary>
internal sealed class RedisCrashScenario(bool everySecond) : Scenario
{
    public override int Number => 3;
    public override string Id => everySecond ? "3b" : "3a";

    public override string Title => everySecond
        ? "kill -9 Redis (AOF, appendfsync everysec) under load, restart: measure the window"
        : "kill -9 Redis (AOF, appendfsync always) under load, restart: nothing lost";

    public override TimeSpan Bound(bool quick) => TimeSpan.FromSeconds(quick ? 120 : 900);

    public override async Task Run(ScenarioRun run)
    {
        var duration = TimeSpan.FromSeconds(run.Quick ? 3 : 20);
        var outage = TimeSpan.FromSeconds(run.Quick ? 1 : 5);
        await run.StartRedis("--appendonly", "yes", "--appendfsync", everySecond ? "everysec" : "always");
        await run.StartWorker("w");
        run.StartSampling();

        // The producer: 32 callers scheduling back to back, each message due 0.2 to 3 s later, until the end of the run.
        var startUs = Clock.NowUs();
        var stopUs = startUs + (long)duration.TotalMicroseconds;
        var producing = Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(async () =>
        {
            while (Clock.NowUs() < stopUs && !run.Token.IsCancellationRequested)
            {
                var entry = run.Ledger.Create(DateTime.UtcNow.AddMilliseconds(200 + Random.Shared.Next(0, 2800)));
                await run.Producer.Schedule(entry);
            }
        })));

        var killUs = startUs + (long)(duration.TotalMicroseconds * (0.35 + Random.Shared.NextDouble() * 0.3));
        await Clock.WaitUntil(killUs, run.Token);
        var persistence = await run.Redis.Info("persistence");
        var crash = new CrashEvent("Redis SIGKILL", Clock.NowUs(), "kill -9 redis-server");
        run.Redis.Kill9();
        killUs = crash.StartUs;

        await Clock.WaitUntil(killUs + (long)outage.TotalMicroseconds, run.Token);
        await run.Redis.Start(run.Token);
        var upUs = Clock.NowUs();
        crash.EndUs = upUs;

        // What survived, read first thing after the restart: entries, due index, in-flight set.
        var present = new HashSet<string>(StringComparer.Ordinal);
        var inFlight = await run.Redis.Retry(async db => await db.SortedSetRangeByRankAsync(run.InFlightKey), run.Token);
        foreach (var token in inFlight)
            crash.InFlight.Add(token.ToString());
        present.UnionWith(crash.InFlight);
        present.UnionWith((await run.Redis.Retry(async db => await db.HashKeysAsync(run.EntriesKey), run.Token)).Select(v => v.ToString()));
        present.UnionWith((await run.Redis.Retry(async db => await db.SortedSetRangeByRankAsync(run.DueKey), run.Token)).Select(v => v.ToString()));
        run.AddCrash(crash);
        crash.Description = string.Create(CultureInfo.InvariantCulture,
            $"kill -9 redis-server (appendfsync {(everySecond ? "everysec" : "always")}) {(killUs - startUs) / 1e6:0.0} s into the run, down {outage.TotalSeconds:0} s; after the restart {present.Count:#,0} tokens in Redis, {inFlight.Length} in flight");

        await producing;

        // Returned OK before the restart, so stored (if at all) by the killed server, and absent after it.
        var atRisk = run.Ledger.Entries.Where(e => e.Status == ScheduleStatus.Ok && e.ReturnedUs < upUs && !present.Contains(e.TokenText))
            .Select(e => e.TokenText).ToHashSet(StringComparer.Ordinal);

        await run.WaitForExpected(TimeSpan.FromSeconds(run.Quick ? 90 : 600), atRisk);
        run.CatchUp(upUs, run.LastFirstDelivery(run.Expected()), "from Redis answering again to the last message's first delivery");
        await run.Settle(TimeSpan.FromSeconds(60));
        run.Evaluate(everySecond ? atRisk : null);

        var entries = run.Ledger.Entries;
        var okBefore = entries.Count(e => e.Status == ScheduleStatus.Ok && e.ReturnedUs <= killUs);
        var rate = okBefore / ((killUs - startUs) / 1e6);
        var failed = entries.Count(e => e.Status == ScheduleStatus.Failed);
        var failedDelivered = entries.Count(e => e.Status == ScheduleStatus.Failed && run.Journal.Has(e.TokenText));
        var goneButDelivered = atRisk.Count(run.Journal.Has);
        run.Result.Note(string.Create(CultureInfo.InvariantCulture,
            $"{okBefore:#,0} calls returned before the kill ({rate:#,0}/s); {failed:#,0} calls failed while Redis was down or restarting ({failedDelivered:#,0} of those messages were stored anyway and delivered: allowed)"));
        run.Result.Note(string.Create(CultureInfo.InvariantCulture,
            $"returned before the restart but absent from Redis after it: {atRisk.Count:#,0}, of which {goneButDelivered:#,0} had been delivered (and acknowledged) before the crash"));
        run.Result.Note($"INFO persistence just before the kill: aof_delayed_fsync={persistence.GetValueOrDefault("aof_delayed_fsync", "?")}, aof_last_write_status={persistence.GetValueOrDefault("aof_last_write_status", "?")}, aof_pending_bio_fsync={persistence.GetValueOrDefault("aof_pending_bio_fsync", "?")}");

        var windowLost = entries.Where(e => atRisk.Contains(e.TokenText) && !run.Journal.Has(e.TokenText)).ToArray();
        if (everySecond && windowLost.Length == 0)
            run.Result.Note("everysec window: no message whose scheduling call had returned was gone after the crash");
        else if (everySecond)
        {
            // Relative to the moment the SIGKILL was sent; replies already on their way arrive a little after it.
            run.Result.Note(string.Create(CultureInfo.InvariantCulture,
                $"everysec window: {windowLost.Length:#,0} message(s) whose scheduling call had returned were gone after the crash; their calls were made {(windowLost.Min(e => e.CalledUs) - killUs) / 1000.0:+0;-0} to {(windowLost.Max(e => e.CalledUs) - killUs) / 1000.0:+0;-0} ms and returned {(windowLost.Min(e => e.ReturnedUs) - killUs) / 1000.0:+0;-0} to {(windowLost.Max(e => e.ReturnedUs) - killUs) / 1000.0:+0;-0} ms from the kill"));
        }
    }
}
