using System.Globalization;
using Messaging.FaultTests.Infrastructure;
using Messaging.FaultTests.Oracle;

namespace Messaging.FaultTests.Scenarios;

/// <summary>
/// 10. Redis reaches <c>maxmemory</c> (policy <c>noeviction</c>) while producers schedule and the bridge drains: the suite
/// sets <c>maxmemory</c> just below what the backlog uses, then keeps scheduling. Scheduling must be refused at once with
/// the clear error (naming <c>maxmemory</c>, saying nothing was stored) and never stored (no refused message is ever
/// delivered); Redis must not grow past the limit; the drain must go on (claim, acknowledge under the limit), which frees
/// memory so that scheduling works again; every message whose call returned is delivered.
/// </summary>
internal sealed class RedisMaxMemoryScenario : Scenario
{
    /// <summary>How far used_memory may grow past what it was when maxmemory was set below it: scripts admitted just under the
    /// limit, client buffers.</summary>
    const long Slack = 512 * 1024;

    public override int Number => 10;
    public override string Title => "Redis at maxmemory (noeviction) while scheduling and draining";
    public override TimeSpan Bound(bool quick) => TimeSpan.FromSeconds(quick ? 120 : 600);

    public override async Task Run(ScenarioRun run)
    {
        var backlog = run.Quick ? 4_000 : 20_000;
        var pressure = TimeSpan.FromSeconds(run.Quick ? 12 : 40);
        await run.StartRedis("--appendonly", "yes", "--appendfsync", "everysec", "--maxmemory-policy", "noeviction");
        await run.StartWorker("w");
        run.StartSampling();

        // A backlog that drains over the pressure phase; then Redis is put at its limit: maxmemory just below what it uses.
        var first = DateTime.UtcNow.AddSeconds(4);
        await run.ScheduleAll(run.Plan(backlog, first, pressure * 0.75));
        var usedBefore = await UsedMemory(run);
        var maxMemory = usedBefore - 256 * 1024;
        await (await run.Redis.Server()).ConfigSetAsync("maxmemory", maxMemory);
        var startUs = Clock.NowUs();
        run.Result.Note(string.Create(CultureInfo.InvariantCulture,
            $"{backlog:#,0} messages scheduled; used_memory {usedBefore:#,0} bytes, maxmemory set to {maxMemory:#,0} bytes at {Clock.Format(startUs)}"));

        // Producers keep scheduling (messages due 1-3 s later) while the bridge drains; the suite watches used_memory.
        var stopUs = startUs + (long)pressure.TotalMicroseconds;
        long peak = 0;
        var watching = Task.Run(async () =>
        {
            while (Clock.NowUs() < stopUs + 2_000_000 && !run.Token.IsCancellationRequested)
            {
                peak = Math.Max(peak, await UsedMemory(run));
                await Task.Delay(100, run.Token);
            }
        });
        var producing = Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (Clock.NowUs() < stopUs && !run.Token.IsCancellationRequested)
            {
                var entry = run.Ledger.Create(DateTime.UtcNow.AddMilliseconds(1000 + Random.Shared.Next(0, 2000)));
                await run.Producer.Schedule(entry);
                if (entry.Status == ScheduleStatus.Failed)
                    await Task.Delay(20, run.Token);
            }
        })));
        await producing;
        await watching;

        var during = run.Ledger.Entries.Where(e => e.CalledUs >= startUs).ToArray();
        var refused = during.Where(e => e.Status == ScheduleStatus.Failed).ToArray();
        var clear = refused.Count(e => e.Error!.StartsWith("RedisSchedulerOutOfMemoryException:", StringComparison.Ordinal)
            && e.Error.Contains("'maxmemory'", StringComparison.Ordinal) && e.Error.Contains("Nothing was stored", StringComparison.Ordinal));
        run.Result.Note(string.Create(CultureInfo.InvariantCulture,
            $"under pressure for {pressure.TotalSeconds:0} s: {during.Length:#,0} calls, {during.Length - refused.Length:#,0} stored, {refused.Length:#,0} refused ({clear:#,0} with the maxmemory error); used_memory peak {peak:#,0} bytes against maxmemory {maxMemory:#,0} ({peak - maxMemory:+#,0;-#,0} bytes)"));
        if (refused.Length == 0)
            run.Result.Fail("no scheduling call was refused although Redis was at its maxmemory");
        if (clear != refused.Length)
            run.Result.Fail($"{refused.Length - clear} refused call(s) did not fail with the clear maxmemory error, e.g. {refused.First(e => !e.Error!.StartsWith("RedisSchedulerOutOfMemoryException:", StringComparison.Ordinal)).Error}");
        // maxmemory was set below what Redis used then: it may stay above the limit until the drain frees memory, not grow.
        var ceiling = Math.Max(usedBefore, maxMemory) + Slack;
        if (peak > ceiling)
            run.Result.Fail(string.Create(CultureInfo.InvariantCulture, $"used_memory reached {peak:#,0} bytes, {peak - maxMemory:#,0} past maxmemory {maxMemory:#,0} (and {peak - usedBefore:#,0} past what it used when the limit was set)"));
        if (during.Length - refused.Length == 0)
            run.Result.Note("no call succeeded under pressure: the drain did not free enough memory in time");

        await run.WaitForExpected(TimeSpan.FromSeconds(run.Quick ? 60 : 300));
        run.CatchUp(startUs, run.LastFirstDelivery(run.Expected()), "from setting maxmemory to the last message's first delivery");
        await run.Settle(TimeSpan.FromSeconds(60));
        run.Evaluate();

        // A refused call stored nothing: none of those messages may ever arrive.
        var deliveredRefused = refused.Where(e => run.Journal.Has(e.TokenText)).ToArray();
        if (deliveredRefused.Length > 0)
            run.Result.Fail($"{deliveredRefused.Length} message(s) whose call was refused at maxmemory were delivered, e.g. {deliveredRefused[0].TokenText}");
        var usedAfter = await UsedMemory(run);
        run.Result.Note(string.Create(CultureInfo.InvariantCulture, $"used_memory after the drain: {usedAfter:#,0} bytes"));
    }

    static async Task<long> UsedMemory(ScenarioRun run) =>
        long.Parse((await run.Redis.Info("memory"))["used_memory"], CultureInfo.InvariantCulture);
}
