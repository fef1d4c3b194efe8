using System.Globalization;
using Messaging.FaultTests.Infrastructure;
using Messaging.Testing;
using StackExchange.Redis;

namespace Messaging.FaultTests.Scenarios;

/// <summary>
/// 7. The bridge's Redis subscription (wake-ups and expired events) is dropped with <c>CLIENT KILL TYPE pubsub</c>
/// while messages come due, several times. Every message must still be delivered, and the subscription must come back
/// by itself: the wake channel's <c>PUBSUB NUMSUB</c> is 1 again and <c>CLIENT LIST TYPE pubsub</c> shows the bridge's
/// connection with its channels.
/// </summary>
internal sealed class SubscriptionKillScenario : Scenario
{
    static readonly TimeSpan Resubscribe = TimeSpan.FromSeconds(30);

    public override int Number => 7;
    public override string Title => "the bridge's subscription killed (CLIENT KILL TYPE pubsub) while messages come due";
    public override TimeSpan Bound(bool quick) => TimeSpan.FromSeconds(quick ? 90 : 600);

    public override async Task Run(ScenarioRun run)
    {
        var count = run.Quick ? 300 : 3_000;
        var window = TimeSpan.FromSeconds(run.Quick ? 6 : 40);
        var kills = run.Quick ? 2 : 5;
        await run.StartRedis("--appendonly", "yes", "--appendfsync", "everysec");
        await run.StartWorker("w");
        await Wait.Until(() => Subscribed(run), Resubscribe, "the bridge subscribed to its wake channel", run.Token);

        var first = DateTime.UtcNow.AddSeconds(1);
        var entries = run.Plan(count, first, window);
        await run.ScheduleAll(entries);

        var gaps = new List<(long From, long To)>();
        for (var k = 0; k < kills; k++)
        {
            var at = Clock.ToUs(first) + (long)(window.TotalMicroseconds * (k + 0.5) / kills) + Random.Shared.Next(-300_000, 300_000);
            await Clock.WaitUntil(at, run.Token);
            var db = await run.Redis.Database();
            var killed = (long)await db.ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
            var killedUs = Clock.NowUs();
            var back = await Wait.TryUntil(() => Subscribed(run), Resubscribe, run.Token, TimeSpan.FromMilliseconds(20));
            var backUs = Clock.NowUs();
            gaps.Add((killedUs, backUs));
            if (back)
            {
                var line = await BridgeLine(run);
                run.Result.Note(string.Create(CultureInfo.InvariantCulture,
                    $"kill {k + 1} at {Clock.Format(killedUs)}: {killed} pubsub connection(s) closed; the bridge was subscribed again {(backUs - killedUs) / 1000.0:0} ms later ({line})"));
            }
            else
            {
                run.Result.Fail($"kill {k + 1}: the bridge's subscription did not come back within {Resubscribe.TotalSeconds:0} s (PUBSUB NUMSUB of the wake channel stays 0)");
                run.Result.Evidence.Add($"CLIENT LIST TYPE pubsub {Resubscribe.TotalSeconds:0} s after kill {k + 1}: {await ClientList(run)}");
            }
        }

        await run.WaitForExpected(TimeSpan.FromSeconds(run.Quick ? 60 : 300));
        var lastDue = entries.Max(e => e.DueUs);
        run.CatchUp(lastDue, run.LastFirstDelivery(run.Expected()), "from the last due time to the last message's first delivery");
        await run.Settle(TimeSpan.FromSeconds(60));
        run.Evaluate();

        // How late messages were, overall and those due while the subscription was down.
        var lateness = entries.Select(e => (Entry: e, Records: run.Journal.For(e.TokenText))).Where(x => x.Records.Count > 0)
            .Select(x => (x.Entry.DueUs, Late: (x.Records.Min(r => r.ReceivedUs) - x.Entry.DueUs) / 1000.0)).ToArray();
        if (lateness.Length > 0)
        {
            var inGaps = lateness.Where(l => gaps.Any(g => l.DueUs >= g.From && l.DueUs <= g.To)).Select(l => l.Late).DefaultIfEmpty().Max();
            run.Result.Note(string.Create(CultureInfo.InvariantCulture,
                $"lateness (first delivery minus due): median {Median(lateness.Select(l => l.Late)):0} ms, max {lateness.Max(l => l.Late):0} ms; max {inGaps:0} ms for messages due while the subscription was down"));
        }
    }

    /// <summary>The bridge's wake channel has a subscriber again, and a connection of the scheduler is in pubsub mode with its channels.</summary>
    static async Task<bool> Subscribed(ScenarioRun run)
    {
        var db = await run.Redis.Database();
        var numsub = (RedisResult[])(await db.ExecuteAsync("PUBSUB", "NUMSUB", run.WakeChannel.ToString()))!;
        return (long)numsub[1] >= 1 && (await BridgeLine(run)).Length > 0;
    }

    static async Task<string> BridgeLine(ScenarioRun run)
    {
        var lines = (await ClientList(run)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = lines.FirstOrDefault(l => l.Contains("name=messaging-scheduler ", StringComparison.Ordinal)
            && Field(l, "sub") is { } sub && int.Parse(sub, CultureInfo.InvariantCulture) >= 2);
        return line == null ? string.Empty : $"CLIENT LIST: id={Field(line, "id")} name=messaging-scheduler sub={Field(line, "sub")} age={Field(line, "age")}s";
    }

    static async Task<string> ClientList(ScenarioRun run)
    {
        var db = await run.Redis.Database();
        return (string?)await db.ExecuteAsync("CLIENT", "LIST", "TYPE", "pubsub") ?? string.Empty;
    }

    static string? Field(string line, string name) =>
        line.Split(' ').FirstOrDefault(f => f.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..];

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[sorted.Length / 2];
    }
}
