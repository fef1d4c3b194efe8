using System.Text.Json;
using StackExchange.Redis;

namespace Messaging.Scheduler.Inspection;

/// <summary>
/// The bridges that run, as they report themselves (<see cref="Delivery.BridgeReporter" />): the hash
/// <c>&lt;prefix&gt;bridges</c> (bridge id to <see cref="BridgeReport" /> JSON) and the sorted set
/// <c>&lt;prefix&gt;bridges:seen</c> (bridge id to when it last reported, Unix ms by the Redis clock). A bridge that stops
/// removes itself; one that has not reported for <see cref="Silence" /> (it crashed) is dropped, and deleted, by the next
/// reader. Neither key carries a partition's hash tag: every command touches one key.
/// </summary>
internal sealed class BridgeRegistry
{
    /// <summary>A bridge silent this long is taken for gone.</summary>
    public static readonly TimeSpan Silence = TimeSpan.FromSeconds(60);

    readonly RedisConnection _connection;

    public BridgeRegistry(RedisConnection connection, RedisScheduleStore store)
    {
        _connection = connection;
        Reports = store.Keyspace.Prefix + "bridges";
        Seen = store.Keyspace.Prefix + "bridges:seen";
    }

    /// <summary><c>&lt;prefix&gt;bridges</c>: bridge id to its last report.</summary>
    public RedisKey Reports { get; }

    /// <summary><c>&lt;prefix&gt;bridges:seen</c>: bridge id to when it last reported.</summary>
    public RedisKey Seen { get; }

    /// <summary>Writes a bridge's report: one script (the time it was seen, by the Redis clock) and one HSET, pipelined.</summary>
    public async Task Report(string bridgeId, BridgeReport report)
    {
        var db = await _connection.Database().ConfigureAwait(false);
        var seen = db.ScriptEvaluateAsync(LuaScripts.Bridges, [Seen], ["seen", bridgeId]);
        var written = db.HashSetAsync(Reports, bridgeId, JsonSerializer.Serialize(report));
        await Task.WhenAll(seen, written).ConfigureAwait(false);
    }

    /// <summary>Removes a bridge that stops.</summary>
    public async Task Remove(string bridgeId)
    {
        var db = await _connection.Database().ConfigureAwait(false);
        await Task.WhenAll(db.ScriptEvaluateAsync(LuaScripts.Bridges, [Seen], ["gone", bridgeId]), db.HashDeleteAsync(Reports, bridgeId)).ConfigureAwait(false);
    }

    /// <summary>The bridges seen in the last <see cref="Silence" />, longest running first; the others are deleted.</summary>
    public async Task<IReadOnlyList<SchedulerBridgeStatus>> List(CancellationToken cancellationToken)
    {
        var db = await _connection.Database().ConfigureAwait(false);
        var reply = (RedisResult[])(await db.ScriptEvaluateAsync(LuaScripts.Bridges, [Seen], ["list", (long)Silence.TotalMilliseconds])
            .WaitAsync(cancellationToken).ConfigureAwait(false))!;
        var stale = (int)(long)reply[1];
        if (stale > 0)
            await db.HashDeleteAsync(Reports, reply.Skip(2).Take(stale).Select(r => (RedisValue)(string)r!).ToArray()).ConfigureAwait(false);

        var live = new List<(string Id, long Seen)>();
        for (var i = 2 + stale; i + 1 < reply.Length; i += 2)
            live.Add(((string)reply[i]!, (long)double.Parse((string)reply[i + 1]!, System.Globalization.CultureInfo.InvariantCulture)));
        if (live.Count == 0)
            return [];

        var reports = await db.HashGetAsync(Reports, live.Select(l => (RedisValue)l.Id).ToArray()).WaitAsync(cancellationToken).ConfigureAwait(false);
        var bridges = new List<SchedulerBridgeStatus>(live.Count);
        for (var i = 0; i < live.Count; i++)
        {
            if (reports[i].IsNullOrEmpty)
                continue;
            BridgeReport? report;
            try
            {
                report = JsonSerializer.Deserialize<BridgeReport>((string)reports[i]!);
            }
            catch (JsonException)
            {
                continue;
            }

            if (report == null)
                continue;
            bridges.Add(new SchedulerBridgeStatus
            {
                BridgeId = live[i].Id,
                Host = report.Host,
                ProcessId = report.ProcessId,
                StartedUtc = report.StartedUtc,
                LastSeenUtc = DateTime.UnixEpoch.AddMilliseconds(live[i].Seen),
                LastClaimUtc = report.LastClaimUtc,
                Delivered = report.Delivered,
                LatenessP50 = report.LatenessP50Ms is { } p50 ? TimeSpan.FromMilliseconds(p50) : null,
                LatenessP99 = report.LatenessP99Ms is { } p99 ? TimeSpan.FromMilliseconds(p99) : null,
            });
        }

        return bridges.OrderBy(b => b.StartedUtc).ThenBy(b => b.BridgeId, StringComparer.Ordinal).ToList();
    }
}
