using System.Globalization;
using Messaging.FaultTests.Infrastructure;
using Messaging.FaultTests.Oracle;
using Messaging.Testing;
using StackExchange.Redis;

namespace Messaging.FaultTests.Scenarios;

/// <summary>
/// 12. On a Redis Cluster of the suite's own (3 primaries, 3 replicas, 3 partitions): kill -9 a primary that holds a
/// partition while a producer schedules as fast as it can and the bridge drains; its replica takes over. A call that failed
/// does not count as acknowledged: the producer schedules it again with the same token, as the README advises, until it
/// returns. With <c>WaitForReplicas = 1</c> (12a) every call that returned must be delivered. With 0 (12b) the suite
/// measures the window: calls that returned before the failover whose message is gone after it.
/// </summary>
internal sealed class ClusterFailoverScenario(bool waitForReplicas) : Scenario
{
    public override int Number => 12;
    public override string Id => waitForReplicas ? "12a" : "12b";

    public override string Title => waitForReplicas
        ? "cluster: kill -9 a primary under load, replica takes over, WaitForReplicas = 1: nothing lost"
        : "cluster: kill -9 a primary under load, replica takes over, WaitForReplicas = 0: measure the window";


    public override TimeSpan Bound(bool quick) => TimeSpan.FromSeconds(quick ? 150 : 900);

    public override async Task Run(ScenarioRun run)
    {
        var duration = TimeSpan.FromSeconds(run.Quick ? 4 : 20);
        await run.StartCluster(partitions: 3, waitForReplicas: waitForReplicas ? 1 : 0);
        await run.StartWorker("w");
        run.StartSampling();

        // The producer: 32 callers scheduling back to back, each message due 0.2 to 3 s later, until the end of the run. A
        // failed call is made again with the same token until it returns (or 30 s after the end of the run).
        var startUs = Clock.NowUs();
        var stopUs = startUs + (long)duration.TotalMicroseconds;
        var giveUpUs = stopUs + 60_000_000;
        var retries = 0;
        var retriedEntries = 0;
        var retriedTokens = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var producing = Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(async () =>
        {
            while (Clock.NowUs() < Interlocked.Read(ref stopUs) && !run.Token.IsCancellationRequested)
            {
                var entry = run.Ledger.Create(DateTime.UtcNow.AddMilliseconds(200 + Random.Shared.Next(0, 2800)));
                await run.Producer.Schedule(entry);
                if (entry.Status == ScheduleStatus.Failed)
                {
                    Interlocked.Increment(ref retriedEntries);
                    retriedTokens[entry.TokenText] = true;
                }
                while (entry.Status == ScheduleStatus.Failed && Clock.NowUs() < giveUpUs && !run.Token.IsCancellationRequested)
                {
                    Interlocked.Increment(ref retries);
                    await Task.Delay(100, run.Token);
                    await run.Producer.Schedule(entry);
                }
            }
        })));

        // The victim: the primary that serves the partition with the most entries due, once calls return (the first ones
        // connect, and on a loaded machine that takes a while).
        await Wait.Until(() => run.Ledger.Entries.Count(e => e.Status == ScheduleStatus.Ok) >= 50, TimeSpan.FromSeconds(60),
            "50 scheduling calls returned", run.Token);
        var firstOkUs = Clock.NowUs();
        var admin = await run.Cluster.Admin();
        var dueKeys = await run.Cluster.Keys(run.Prefix + "*:due");
        if (dueKeys.Count == 0)
            throw new InvalidOperationException("no partition has entries due: the producer stored nothing");
        var lengths = new List<(RedisKey Key, long Length)>();
        foreach (var key in dueKeys)
            lengths.Add((key, await admin.GetDatabase().SortedSetLengthAsync(key)));
        var busiest = lengths.MaxBy(l => l.Length).Key;
        var victim = await run.Cluster.OwnerOf(await run.Cluster.SlotOf(busiest));

        var killUs = Math.Max(startUs + (long)(duration.TotalMicroseconds * (0.35 + Random.Shared.NextDouble() * 0.3)), Clock.NowUs() + 200_000);
        Interlocked.Exchange(ref stopUs, Math.Max(Interlocked.Read(ref stopUs), killUs + (long)(duration.TotalMicroseconds / 2)));
        await Clock.WaitUntil(killUs, run.Token);
        var crash = new CrashEvent("Redis primary SIGKILL", Clock.NowUs(), $"kill -9 the primary {victim.Node.Configuration}");
        victim.Node.Kill9();
        killUs = crash.StartUs;

        // The replica takes over (then the cluster is healthy on the running nodes); the killed node is started again on
        // its files and joins as the new primary's replica, so that WaitForReplicas = 1 can be met again.
        await run.Cluster.WaitHealthy(TimeSpan.FromSeconds(60), run.Token);
        var upUs = Clock.NowUs();
        crash.EndUs = upUs;
        await victim.Node.Start(run.Token);

        // What survived, read first thing after the failover: entries, due indexes, in-flight sets of every partition. The
        // killed node rejoining may make the cluster answer CLUSTERDOWN for a moment: read again until it answers.
        var present = new HashSet<string>(StringComparer.Ordinal);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                present.Clear();
                await ReadSurvivors(run, present, crash);
                break;
            }
            catch (RedisServerException ex) when (ex.Message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal) && attempt < 120)
            {
                await Task.Delay(250, run.Token);
            }
        }

        run.AddCrash(crash);
        crash.Description = string.Create(CultureInfo.InvariantCulture,
            $"kill -9 the primary {victim.Node.Configuration} {(killUs - startUs) / 1e6:0.0} s into the run; its replica served again {(upUs - killUs) / 1e6:0.0} s later (cluster-node-timeout {RedisClusterNodes.NodeTimeoutMs} ms); after the failover {present.Count:#,0} tokens in Redis");

        await producing;

        // A call that failed (NotReplicated, or no answer) was made again with the same token. Its first write may have
        // reached the primary and been delivered before the retry stored it again: the caller chose at-least-once, and a
        // second delivery of such a token is the retry's, not the failover's (the README's "When a call fails").
        crash.InFlight.UnionWith(retriedTokens.Keys);

        // Returned OK before the failover, and absent after it. The journal is read at the end: a message delivered (and
        // acknowledged) before the kill is absent and not lost.
        var atRisk = run.Ledger.Entries.Where(e => e.Status == ScheduleStatus.Ok && e.ReturnedUs < upUs && !present.Contains(e.TokenText))
            .Select(e => e.TokenText).ToHashSet(StringComparer.Ordinal);

        await run.WaitForExpected(TimeSpan.FromSeconds(run.Quick ? 90 : 600), waitForReplicas ? null : atRisk);
        run.CatchUp(upUs, run.LastFirstDelivery(run.Expected()), "from the replica serving to the last message's first delivery");
        await run.Settle(TimeSpan.FromSeconds(60));
        run.Evaluate(waitForReplicas ? null : atRisk);

        var entries = run.Ledger.Entries;
        var okBefore = entries.Count(e => e.Status == ScheduleStatus.Ok && e.ReturnedUs <= killUs);
        var neverOk = entries.Count(e => e.Status == ScheduleStatus.Failed);
        var windowLost = atRisk.Count(t => !run.Journal.Has(t));
        run.Result.Note(string.Create(CultureInfo.InvariantCulture,
            $"{okBefore:#,0} calls returned before the kill ({(okBefore - 50) / ((killUs - firstOkUs) / 1e6):#,0}/s after the first 50); {retriedEntries:#,0} calls failed and were made again with the same token ({retries:#,0} retries); {neverOk:#,0} never returned"));
        run.Result.Note(string.Create(CultureInfo.InvariantCulture,
            $"WaitForReplicas = {(waitForReplicas ? 1 : 0)}: {atRisk.Count:#,0} message(s) returned before the failover and were absent after it, {windowLost:#,0} of them never delivered (acknowledged schedules lost in the failover)"));
        if (waitForReplicas && windowLost > 0)
            run.Result.Fail($"{windowLost} acknowledged schedule(s) were lost in the failover although WaitForReplicas = 1");
    }

    static async Task ReadSurvivors(ScenarioRun run, HashSet<string> present, CrashEvent crash)
    {
        var admin = await run.Cluster.Admin();
        var db = admin.GetDatabase();
        foreach (var key in await run.Cluster.Keys(run.Prefix + "*"))
        {
            var name = key.ToString();
            if (name.EndsWith(":entries", StringComparison.Ordinal))
                present.UnionWith((await db.HashKeysAsync(key)).Select(v => v.ToString()));
            else if (name.EndsWith(":due", StringComparison.Ordinal))
                present.UnionWith((await db.SortedSetRangeByRankAsync(key)).Select(v => v.ToString()));
            else if (name.EndsWith(":inflight", StringComparison.Ordinal))
            {
                var inFlight = (await db.SortedSetRangeByRankAsync(key)).Select(v => v.ToString()).ToArray();
                crash.InFlight.UnionWith(inFlight);
                present.UnionWith(inFlight);
            }
        }
    }
}
